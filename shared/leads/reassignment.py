"""Reassigning a cancelled agent's leads (API.md, "Reassignment rule").

The job reads the agent's leads page by page from the `by_assigned_agent_id` index and moves each
lead with ONE conditional transaction:

    lead        assigned_agent_id := new agent (or removed, and pool/pool_key set: the pool)
                IF assigned_agent_id = cancelled agent
    new agent   lead_count + 1  IF status = active        (no lead ever lands on a leaving agent)
    old agent   lead_count - 1
    ticket      reassignment.reassigned|unassigned + 1  IF status = processing

So whatever happens between two leads (a crash, a timeout, a redelivered or duplicated message, a
second consumer running at the same time) every lead is either still with the cancelled agent,
and the next run moves it, or moved exactly once with its counters. Nothing is remembered
between runs: the index itself is the work list, which makes the job resumable and idempotent.
The ticket becomes `completed` once a pass over the index finds no lead left."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.cancellation.tickets import COMPLETED, PROCESSING
from shared.data.conditions import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    answer_lost,
    cancellation_codes,
    transaction_condition_failed,
)
from shared.data.connection import shared_connection
from shared.data.tables.accounts import ACTIVE, AccountModel
from shared.data.tables.leads import IN_POOL, AssignmentChange, LeadModel
from shared.data.tables.tickets import TicketModel
from shared.leads.assignments import ASSIGNED, UNASSIGNED, pool_key
from shared.leads.candidates import CandidatePool
from shared.observability import logger
from shared.timeutil import utc_now

REASSIGNMENT_REASON = "agent_cancelled"
PAGE_SIZE = 100
# Attempts per lead when the chosen agent stopped being a candidate or a concurrent write
# conflicted; beyond this the message is retried later by the queue.
MAX_ATTEMPTS_PER_LEAD = 8
# A move whose answer was lost is sent again, unchanged, at most this many times.
LOST_ANSWER_RESENDS = 3
# Passes over the index that found leads but could move none of them (index not caught up yet).
MAX_IDLE_PASSES = 3


class ReassignmentJob(BaseModel):
    """The queue message: which ticket's agent to empty."""

    ticket_id: str = Field(min_length=1, max_length=64)
    account_id: str = Field(min_length=1, max_length=128)


class RetryLater(Exception):
    """The job could not make progress now; the message goes back to the queue."""


class Placement(StrEnum):
    REASSIGNED = "reassigned"
    UNASSIGNED = "unassigned"
    ALREADY_MOVED = "already_moved"  # someone else moved it first (duplicate job, support)


@dataclass(frozen=True)
class LeadMove:
    lead_id: str
    territory: str
    to_agent_id: str | None
    placement: Placement


@dataclass
class ReassignmentDeps:
    """Everything the job touches from outside, so tests and the benchmark can pass their own."""

    # The connection the lead transactions go through (one per container, not one per write).
    connection: Connection
    page_size: int = PAGE_SIZE
    clock: Callable[[], datetime] = utc_now
    # False when the invocation is about to run out of time: the job stops between two leads.
    has_time: Callable[[], bool] = lambda: True
    # Called after every lead placed (metrics, tests' fault injection, benchmark probes).
    after_each_lead: Callable[[LeadMove], None] | None = None
    sleep: Callable[[float], None] = time.sleep


@dataclass
class ReassignmentResult:
    reassigned: int = 0
    unassigned: int = 0
    already_moved: int = 0
    completed: bool = False
    # Stopped for lack of time; the caller queues the job again to continue.
    paused: bool = False

    def count(self, move: LeadMove) -> None:
        if move.placement is Placement.REASSIGNED:
            self.reassigned += 1
        elif move.placement is Placement.UNASSIGNED:
            self.unassigned += 1
        else:
            self.already_moved += 1


def default_deps(**overrides: Any) -> ReassignmentDeps:
    overrides.setdefault("connection", shared_connection())
    return ReassignmentDeps(**overrides)


def reassign_leads(job: ReassignmentJob, deps: ReassignmentDeps) -> ReassignmentResult:
    """Moves every lead still with the job's agent; completes the ticket when none is left."""
    result = ReassignmentResult()
    try:
        ticket = TicketModel.get(job.account_id, job.ticket_id, consistent_read=True)
    except TicketModel.DoesNotExist:
        logger.warning("reassignment job for an unknown ticket", extra=job.model_dump())
        return result
    if ticket.status == COMPLETED:
        result.completed = True
        return result
    if ticket.status != PROCESSING:
        logger.warning("reassignment job for a ticket not approved", extra=job.model_dump())
        return result
    _refresh_total(ticket, deps)
    pool = CandidatePool(job.account_id)
    idle_passes = 0
    while True:
        found, moved = _one_pass(job, pool, deps, result)
        if result.paused:
            return result
        if found == 0:
            break
        if moved == 0:
            idle_passes += 1
            if idle_passes >= MAX_IDLE_PASSES:
                raise RetryLater("The index still lists leads that are no longer the agent's.")
            deps.sleep(0.2 * idle_passes)
    _complete(ticket, deps)
    result.completed = True
    return result


def _one_pass(
    job: ReassignmentJob, pool: CandidatePool, deps: ReassignmentDeps, result: ReassignmentResult
) -> tuple[int, int]:
    """One walk over the agent's leads in the index, page by page. Returns (found, moved)."""
    found = moved = 0
    last_key: dict[str, Any] | None = None
    while True:
        page = LeadModel.by_assigned_agent_id.query(
            job.account_id, limit=deps.page_size, last_evaluated_key=last_key
        )
        for lead in page:
            if not deps.has_time():
                result.paused = True
                return found, moved
            found += 1
            move = _place(lead, job, pool, deps)
            result.count(move)
            if move.placement is not Placement.ALREADY_MOVED:
                moved += 1
            if deps.after_each_lead is not None:
                deps.after_each_lead(move)
        last_key = page.last_evaluated_key
        if not last_key:
            return found, moved


def _place(
    lead: LeadModel, job: ReassignmentJob, pool: CandidatePool, deps: ReassignmentDeps
) -> LeadMove:
    for attempt in range(MAX_ATTEMPTS_PER_LEAD):
        target = pool.best_for(lead.territory)
        try:
            _send_move(lead, target, job, deps)
        except TransactWriteError as error:
            reasons = cancellation_codes(error)
            if reasons.get(0) == CONDITION_FAILED:
                return LeadMove(lead.lead_id, lead.territory, None, Placement.ALREADY_MOVED)
            if target is not None and reasons.get(1) == CONDITION_FAILED:
                pool.drop(target)
                continue
            if TRANSACTION_CONFLICT in reasons.values():
                deps.sleep(0.05 * (attempt + 1))
                continue
            if CONDITION_FAILED in reasons.values():
                # Only the ticket's condition is left: it is no longer processing.
                raise RetryLater("The ticket is no longer processing.") from error
            raise
        if target is None:
            return LeadMove(lead.lead_id, lead.territory, None, Placement.UNASSIGNED)
        pool.placed(target)
        return LeadMove(lead.lead_id, lead.territory, target, Placement.REASSIGNED)
    raise RetryLater(
        f"Lead {lead.lead_id} could not be placed after {MAX_ATTEMPTS_PER_LEAD} tries."
    )


def _send_move(
    lead: LeadModel, target: str | None, job: ReassignmentJob, deps: ReassignmentDeps
) -> None:
    """Sends the lead's move; when its answer is lost (the connection dropped after DynamoDB
    may have applied it), sends the very same request again, same ClientRequestToken and same
    content, so DynamoDB answers it as the first one, applied once: the job then counts the
    lead as placed, not as "already moved". The token is this send's own: another attempt, or
    another run of the job (a duplicate message), is another request."""
    token, now = str(uuid.uuid4()), deps.clock()
    for resend in range(LOST_ANSWER_RESENDS + 1):
        try:
            _move(lead, target, job, deps, token=token, now=now)
            return
        except TransactWriteError as error:
            if not answer_lost(error) or resend == LOST_ANSWER_RESENDS:
                raise
            logger.warning("lead move answer lost; sending it again", extra={"lead": lead.lead_id})


def _move(
    lead: LeadModel,
    target: str | None,
    job: ReassignmentJob,
    deps: ReassignmentDeps,
    *,
    token: str,
    now: datetime,
) -> None:
    """The one transaction per lead. Item order matters for cancellation_codes: lead, [target],
    departing agent, ticket."""
    change = AssignmentChange(
        from_agent_id=job.account_id, to_agent_id=target, at=now, reason=REASSIGNMENT_REASON
    )
    lead_actions: list[Any] = [
        LeadModel.history.set((LeadModel.history | []).append([change])),
        LeadModel.updated_at.set(now),
    ]
    if target is None:
        lead_actions += [
            LeadModel.assigned_agent_id.remove(),
            LeadModel.status.set(UNASSIGNED),
            LeadModel.pool.set(IN_POOL),
            LeadModel.pool_key.set(pool_key(lead.territory, lead.lead_id)),
        ]
        progress: Any = TicketModel.reassignment.unassigned
    else:
        lead_actions += [LeadModel.assigned_agent_id.set(target), LeadModel.status.set(ASSIGNED)]
        progress = TicketModel.reassignment.reassigned
    with TransactWrite(connection=deps.connection, client_request_token=token) as write:
        write.update(
            lead, actions=lead_actions, condition=LeadModel.assigned_agent_id == job.account_id
        )
        if target is not None:
            write.update(
                AccountModel(target),
                actions=[AccountModel.lead_count.add(1)],
                condition=AccountModel.status == ACTIVE,
            )
        write.update(AccountModel(job.account_id), actions=[AccountModel.lead_count.add(-1)])
        write.update(
            TicketModel(job.account_id, job.ticket_id),
            actions=[progress.add(1), TicketModel.updated_at.set(now)],
            condition=TicketModel.status == PROCESSING,
        )


def _refresh_total(ticket: TicketModel, deps: ReassignmentDeps) -> None:
    """total = already placed + still with the agent (re-counted at every (re)start)."""
    remaining = LeadModel.by_assigned_agent_id.count(ticket.account_id)
    progress = ticket.reassignment
    placed = 0 if progress is None else int(progress.reassigned) + int(progress.unassigned)
    try:
        with TransactWrite(connection=deps.connection) as write:
            write.update(
                TicketModel(ticket.account_id, ticket.ticket_id),
                actions=[TicketModel.reassignment.total.set(placed + remaining)],  # type: ignore[attr-defined]
                condition=TicketModel.status == PROCESSING,
            )
    except TransactWriteError as error:
        if not transaction_condition_failed(error, item=0):
            raise


def _complete(ticket: TicketModel, deps: ReassignmentDeps) -> None:
    """processing -> completed, once; total = what was placed. A second completion is a no-op."""
    progress = TicketModel.reassignment
    try:
        with TransactWrite(connection=deps.connection) as write:
            write.update(
                TicketModel(ticket.account_id, ticket.ticket_id),
                actions=[
                    TicketModel.status.set(COMPLETED),
                    TicketModel.updated_at.set(deps.clock()),
                    progress.total.set(progress.reassigned + progress.unassigned),  # type: ignore[attr-defined]
                ],
                condition=TicketModel.status == PROCESSING,
            )
    except TransactWriteError as error:
        if not transaction_condition_failed(error, item=0):
            raise
        return
    logger.info("reassignment completed", extra={"ticket_id": ticket.ticket_id})


@dataclass
class JobOutcome:
    job: ReassignmentJob
    result: ReassignmentResult = field(default_factory=ReassignmentResult)
    continued: bool = False


def run_job_message(
    body: str,
    *,
    has_time: Callable[[], bool],
    enqueue: Callable[[dict[str, str]], None],
) -> JobOutcome:
    """What the queue consumer does with one message: run the job and, if it ran out of time,
    queue the same job again to continue where the index says it stopped."""
    job = ReassignmentJob.model_validate_json(body)
    result = reassign_leads(job, default_deps(has_time=has_time))
    outcome = JobOutcome(job=job, result=result)
    if result.paused:
        enqueue(job.model_dump())
        outcome.continued = True
    return outcome
