"""The unassigned pool: the leads that found no agent, as support sees them, the agents who could
take one, and assigning a lead by hand.

The pool is read from the sparse `by_pool` index (only pooled leads carry its key), so a pool
query examines pooled leads only, however many assigned leads the table holds. Assigning is one
conditional transaction, in this order (cancellation reasons are read by position):

    0 lead         assigned_agent_id := agent, out of the pool
                   IF it is still where the caller saw it (in the pool, or with from_agent_id)
    1 agent        lead_count + 1  IF status = active
    2 from agent   lead_count - 1  IF it exists          (only when moving between agents)

so of concurrent assigns of one lead exactly one commits, and the counters move with it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from pynamodb.exceptions import TransactWriteError

from shared.data.conditions import (
    TRANSACTION_CONFLICT,
    cancellation_codes,
    transaction_condition_failed,
)
from shared.data.connection import transaction
from shared.data.tables.accounts import ACTIVE, AccountModel, TerritoryAgentModel
from shared.data.tables.leads import IN_POOL, AssignmentChange, LeadModel
from shared.errors import AgentNotActive, Conflict, NotFound
from shared.http.pagination import signed_page
from shared.leads.assignments import ASSIGNED, LeadPage, lead_view, pool_key
from shared.observability import metrics
from shared.timeutil import utc_now

if TYPE_CHECKING:
    from pynamodb.expressions.condition import Condition

    from shared.http.auth import Principal
    from shared.leads.requests import Assignment

ASSIGN_REASON = "support_assign"
# Tries when DynamoDB cancels the transaction for a conflict with another one in flight (not a
# failed condition): the next try reads the lead again, and answers 409 if it moved meanwhile.
MAX_ASSIGN_ATTEMPTS = 4
# The agents offered for one territory (TerritoryAgents rows read, then their accounts).
MAX_AGENTS_OFFERED = 200
OPTION_ATTRIBUTES = ["account_id", "name", "email", "status", "lead_count"]


class AgentOption(TypedDict):
    account_id: str
    name: str
    email: str
    lead_count: int


class AgentOptions(TypedDict):
    territory: str
    agents: list[AgentOption]


# ---------------------------------------------------------------------------- reading the pool


def pool_query(territory: str | None) -> tuple[str, Condition | None]:
    """The pool index's key condition: the whole pool, or one territory's part of it."""
    prefix = None if territory is None else LeadModel.pool_key.startswith(pool_key(territory, ""))
    return IN_POOL, prefix


def unassigned_pool(
    *, territory: str | None, limit: int, cursor: str | None, key: bytes
) -> LeadPage:
    """Pooled leads, by territory then lead id, a page at a time."""
    hash_key, range_key_condition = pool_query(territory)
    leads, next_cursor = signed_page(
        lambda start: LeadModel.in_pool.query(
            hash_key,
            range_key_condition=range_key_condition,
            limit=limit,
            last_evaluated_key=start,
        ),
        cursor=cursor,
        scope="pool" if territory is None else f"pool:{territory}",
        key=key,
    )
    return LeadPage(leads=[lead_view(lead) for lead in leads], next_cursor=next_cursor)


def agents_serving(territory: str) -> AgentOptions:
    """The active agents who serve a territory, least loaded first (ties: lowest account id):
    the order the reassignment itself picks them in (API.md, "Reassignment rule")."""
    serving = [
        row.account_id for row in TerritoryAgentModel.query(territory, limit=MAX_AGENTS_OFFERED)
    ]
    accounts = (
        AccountModel.batch_get(serving, attributes_to_get=OPTION_ATTRIBUTES) if serving else []
    )
    active = sorted(
        (account for account in accounts if account.status == ACTIVE),
        key=lambda account: (int(account.lead_count), account.account_id),
    )
    return AgentOptions(
        territory=territory,
        agents=[
            AgentOption(
                account_id=account.account_id,
                name=account.name,
                email=account.email,
                lead_count=int(account.lead_count),
            )
            for account in active
        ],
    )


# ---------------------------------------------------------------------------- assigning


def assign_lead(
    lead_id: str,
    assignment: Assignment,
    principal: Principal,
    *,
    sleep: Callable[[float], None] = time.sleep,
    before_commit: Callable[[], None] = lambda: None,
) -> LeadModel:
    """Gives the lead to `assignment.agent_id`; returns it as stored afterwards.

    `before_commit` runs between the checks and the transaction (tests hold concurrent callers
    there, so that every one of them passed the checks and only the conditions decide)."""
    for attempt in range(MAX_ASSIGN_ATTEMPTS):
        lead = _lead(lead_id)
        _check_agent(assignment.agent_id)
        _check_lead_is_where_expected(lead, assignment)
        try:
            before_commit()
            _commit(lead, assignment, principal)
        except TransactWriteError as error:
            if transaction_condition_failed(error):
                raise _refusal(error, lead, assignment) from None
            last_try = attempt + 1 == MAX_ASSIGN_ATTEMPTS
            if last_try or TRANSACTION_CONFLICT not in cancellation_codes(error).values():
                raise  # the HTTP edge answers 503: nothing was written, the caller may retry
            sleep(0.05 * (attempt + 1))
            continue
        metrics.add_metric(name="LeadsAssignedBySupport", unit="Count", value=1)
        return _lead(lead_id)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lead(lead_id: str) -> LeadModel:
    try:
        return LeadModel.get(lead_id, consistent_read=True)
    except LeadModel.DoesNotExist:
        raise NotFound(f"No lead {lead_id}.") from None


def _check_agent(agent_id: str) -> None:
    try:
        agent = AccountModel.get(agent_id, consistent_read=True, attributes_to_get=["status"])
    except AccountModel.DoesNotExist:
        raise NotFound(f"No agent {agent_id}.") from None
    if agent.status != ACTIVE:
        raise AgentNotActive(f"Agent {agent_id} is {agent.status}; leads go to active agents only.")


def _check_lead_is_where_expected(lead: LeadModel, assignment: Assignment) -> None:
    expected = assignment.from_agent_id
    if expected == assignment.agent_id:
        raise Conflict(f"Lead {lead.lead_id} is already with agent {expected}.")
    if lead.assigned_agent_id == expected:
        return
    if expected is None:
        raise Conflict(
            f"Lead {lead.lead_id} is not in the unassigned pool: agent "
            f"{lead.assigned_agent_id} has it. To move it, say from_agent_id."
        )
    where = "in the unassigned pool" if lead.assigned_agent_id is None else "with another agent"
    raise Conflict(f"Lead {lead.lead_id} is not with agent {expected}; it is {where}.")


def _commit(lead: LeadModel, assignment: Assignment, principal: Principal) -> None:
    now = utc_now()
    source = assignment.from_agent_id
    change = AssignmentChange(
        from_agent_id=source,
        to_agent_id=assignment.agent_id,
        at=now,
        reason=ASSIGN_REASON,
        by=principal.subject,
    )
    where_seen: Any = (
        LeadModel.lead_id.exists() & LeadModel.assigned_agent_id.does_not_exist()
        if source is None
        else LeadModel.assigned_agent_id == source
    )
    with transaction() as write:
        write.update(
            lead,
            actions=[
                LeadModel.assigned_agent_id.set(assignment.agent_id),
                LeadModel.status.set(ASSIGNED),
                LeadModel.pool.remove(),
                LeadModel.pool_key.remove(),
                LeadModel.history.set((LeadModel.history | []).append([change])),
                LeadModel.updated_at.set(now),
            ],
            condition=where_seen,
        )
        write.update(
            AccountModel(assignment.agent_id),
            actions=[AccountModel.lead_count.add(1)],
            condition=AccountModel.status == ACTIVE,
        )
        if source is not None:
            write.update(
                AccountModel(source),
                actions=[AccountModel.lead_count.add(-1)],
                condition=AccountModel.account_id.exists(),
            )


def _refusal(error: TransactWriteError, lead: LeadModel, assignment: Assignment) -> Exception:
    """What a failed condition means, told apart by the item whose condition failed."""
    if transaction_condition_failed(error, item=0):
        return Conflict(f"Lead {lead.lead_id} was assigned by someone else meanwhile.")
    if transaction_condition_failed(error, item=1):
        try:
            _check_agent(assignment.agent_id)
        except (NotFound, AgentNotActive) as refused:
            return refused
        return AgentNotActive(f"Agent {assignment.agent_id} stopped being active meanwhile.")
    return NotFound(f"No agent {assignment.from_agent_id}.")
