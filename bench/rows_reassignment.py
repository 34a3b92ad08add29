"""Lead reassignment among 5 candidates: DynamoDB write requests per lead (target: one
transaction per lead) and wall time against a bare boto3 loop doing the same conditional
TransactWriteItems in the same run (target <= 1.5x); plus the cold starts of the cancellation
tickets and support functions against the floor.

moto deep-copies every table a transaction touches before applying it, so a transaction costs
O(table size) there (about 1 s per write with 10,000 leads in the table, against milliseconds in
DynamoDB). The leads are therefore moved in rounds of ROUND_SIZE, each round's leads deleted
after it is measured, so the table stays small and the timings measure our code rather than
moto's copy. The total is the issue's 10,000 leads (about a quarter of an hour on moto);
BENCH_REASSIGNMENT_LEADS sets another, e.g. 1,000 for a quick run."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from pynamodb.connection import Connection

from bench.coldstart import API_TARGET, cold_start_row
from bench.core import BenchContext, BenchRow
from local.cfn import ROOT
from shared.cancellation.tickets import PROCESSING
from shared.config import Settings
from shared.data.tables.accounts import ACTIVE, CANCELLED, AccountModel, TerritoryAgentModel
from shared.data.tables.leads import AssignmentChange, LeadModel
from shared.data.tables.tickets import ReassignmentProgress, TicketModel
from shared.leads.reassignment import ReassignmentDeps as Deps
from shared.leads.reassignment import ReassignmentJob, ReassignmentResult, reassign_leads
from shared.runtime import cached_settings
from shared.timeutil import iso, utc_now

TOTAL_LEADS = int(os.environ.get("BENCH_REASSIGNMENT_LEADS", "10000"))
ROUND_SIZE = 100
CANDIDATES = 5
WRITE_OPERATIONS = {
    "TransactWriteItems",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
}


@dataclass
class WriteCounter:
    """Counts the DynamoDB requests a client sends (every attempt, retries included)."""

    leads_table: str
    writes: Counter[str] = field(default_factory=Counter)
    lead_transactions: int = 0
    items_per_lead_transaction: Counter[int] = field(default_factory=Counter)

    def __call__(self, request: Any, **_: Any) -> None:
        operation = str(request.headers.get("X-Amz-Target", b"")).split(".")[-1].strip("'")
        if operation not in WRITE_OPERATIONS:
            return
        self.writes[operation] += 1
        if operation == "TransactWriteItems":
            items = json.loads(request.body)["TransactItems"]
            tables = {next(iter(item.values()))["TableName"] for item in items}
            if self.leads_table in tables:
                self.lead_transactions += 1
                self.items_per_lead_transaction[len(items)] += 1

    @property
    def total(self) -> int:
        return sum(self.writes.values())


class Scene:
    """A territory with 5 candidates, and departing agents whose leads are to be moved."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tag = uuid.uuid4().hex[:6]
        self.territory = f"bench-{self.tag}"
        self.candidates = [f"bench-{self.tag}-cand-{n}" for n in range(CANDIDATES)]
        for agent_id in self.candidates:
            self._account(agent_id, ACTIVE)
            TerritoryAgentModel(self.territory, agent_id).save()

    def _account(self, account_id: str, status: str, lead_count: int = 0) -> None:
        now = utc_now()
        AccountModel(
            account_id,
            email=f"{account_id}@example.com",
            name=account_id,
            status=status,
            territories=[] if status == CANCELLED else [self.territory],
            lead_count=lead_count,
            created_at=now,
            updated_at=now,
        ).save()

    def departing_with_leads(self, name: str, count: int) -> tuple[ReassignmentJob, list[str]]:
        """A cancelled agent with a processing ticket and `count` leads, as approval leaves it."""
        account_id = f"bench-{self.tag}-{name}"
        self._account(account_id, CANCELLED, lead_count=count)
        now = utc_now()
        ticket_id = f"tkt_{name}"
        TicketModel(
            account_id,
            ticket_id,
            status=PROCESSING,
            reason="other",
            created=iso(now),
            updated_at=now,
            reassignment=ReassignmentProgress(total=count, reassigned=0, unassigned=0),
        ).save()
        lead_ids = [f"{account_id}-{n:05d}" for n in range(count)]
        with LeadModel.batch_write() as batch:
            for lead_id in lead_ids:
                batch.save(
                    LeadModel(
                        lead_id,
                        territory=self.territory,
                        assigned_agent_id=account_id,
                        status="assigned",
                        history=[
                            AssignmentChange(
                                from_agent_id=None, to_agent_id=account_id, at=now, reason="seed"
                            )
                        ],
                        updated_at=now,
                    )
                )
        return ReassignmentJob(ticket_id=ticket_id, account_id=account_id), lead_ids

    def loads(self) -> dict[str, int]:
        return {
            account.account_id: int(account.lead_count)
            for account in AccountModel.batch_get(self.candidates, consistent_read=True)
        }

    @staticmethod
    def delete_leads(lead_ids: list[str]) -> None:
        with LeadModel.batch_write() as batch:
            for lead_id in lead_ids:
                batch.delete(LeadModel(lead_id))


def bare_boto3_loop(
    client: Any,
    settings: Settings,
    job: ReassignmentJob,
    lead_ids: list[str],
    loads: dict[str, int],
) -> None:
    """The floor: the same conditional transaction per lead, built by hand, least-loaded choice
    inline, no query, no models."""
    now = iso(utc_now())
    for lead_id in lead_ids:
        target = min(loads, key=lambda agent: (loads[agent], agent))
        loads[target] += 1
        change = {
            "M": {
                "from_agent_id": {"S": job.account_id},
                "to_agent_id": {"S": target},
                "at": {"S": now},
                "reason": {"S": "agent_cancelled"},
            }
        }
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": settings.leads_table,
                        "Key": {"lead_id": {"S": lead_id}},
                        "UpdateExpression": "SET history = list_append(if_not_exists(history, "
                        ":empty), :change), updated_at = :now, assigned_agent_id = :to, "
                        "#status = :assigned",
                        "ConditionExpression": "assigned_agent_id = :from",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":empty": {"L": []},
                            ":change": {"L": [change]},
                            ":now": {"S": now},
                            ":to": {"S": target},
                            ":assigned": {"S": "assigned"},
                            ":from": {"S": job.account_id},
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": settings.accounts_table,
                        "Key": {"account_id": {"S": target}},
                        "UpdateExpression": "ADD lead_count :one",
                        "ConditionExpression": "#status = :active",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":active": {"S": ACTIVE},
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": settings.accounts_table,
                        "Key": {"account_id": {"S": job.account_id}},
                        "UpdateExpression": "ADD lead_count :minus",
                        "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                    }
                },
                {
                    "Update": {
                        "TableName": settings.tickets_table,
                        "Key": {
                            "account_id": {"S": job.account_id},
                            "ticket_id": {"S": job.ticket_id},
                        },
                        "UpdateExpression": "ADD reassignment.reassigned :one "
                        "SET updated_at = :now",
                        "ConditionExpression": "#status = :processing",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":now": {"S": now},
                            ":processing": {"S": PROCESSING},
                        },
                    }
                },
            ]
        )


def _reassignment_rows(settings: Settings) -> list[BenchRow]:
    scene = Scene(settings)
    connection = Connection(region=settings.aws_region, host=settings.aws_endpoint_url)
    counter = WriteCounter(settings.leads_table)
    connection.client.meta.events.register("before-send.dynamodb", counter)
    bare = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    bare_counter = WriteCounter(settings.leads_table)
    bare.meta.events.register("before-send.dynamodb", bare_counter)
    ours_seconds = bare_seconds = 0.0
    moved = 0
    results: list[ReassignmentResult] = []
    rounds = max(1, -(-TOTAL_LEADS // ROUND_SIZE))
    for number in range(rounds):
        size = min(ROUND_SIZE, TOTAL_LEADS - number * ROUND_SIZE)

        def run_ours(number: int = number, size: int = size) -> float:
            job, lead_ids = scene.departing_with_leads(f"ours{number}", size)
            started = time.perf_counter()
            results.append(reassign_leads(job, Deps(connection=connection)))
            elapsed = time.perf_counter() - started
            scene.delete_leads(lead_ids)
            return elapsed

        def run_bare(number: int = number, size: int = size) -> float:
            job, lead_ids = scene.departing_with_leads(f"bare{number}", size)
            loads = scene.loads()
            started = time.perf_counter()
            bare_boto3_loop(bare, settings, job, lead_ids, loads)
            elapsed = time.perf_counter() - started
            scene.delete_leads(lead_ids)
            return elapsed

        # Alternate who goes first, so drift (table growth, machine load) hits both alike.
        if number % 2:
            bare_seconds += run_bare()
            ours_seconds += run_ours()
        else:
            ours_seconds += run_ours()
            bare_seconds += run_bare()
        moved += size

    totals = {
        outcome: sum(getattr(result, outcome) for result in results)
        for outcome in ("reassigned", "unassigned", "already_moved")
    }
    incomplete = [number for number, result in enumerate(results) if not result.completed]
    assert not incomplete, f"jobs not completed: {incomplete}"
    assert totals["reassigned"] == moved, f"{moved} leads to move: {totals}"
    final = scene.loads()
    spread = max(final.values()) - min(final.values())
    per_lead = counter.lead_transactions / moved
    bookkeeping = counter.total - counter.lead_transactions
    return [
        BenchRow(
            f"reassignment: lead-move transactions per lead ({moved:,} leads, 5 candidates)",
            per_lead,
            " tx/lead",
            1.0,
            f"{counter.total:,} write requests in all ({bookkeeping} ticket bookkeeping for "
            f"{len(results)} jobs); items per transaction "
            f"{dict(counter.items_per_lead_transaction)}; candidate loads spread {spread}",
        ),
        BenchRow(
            f"reassignment wall time / bare boto3 transaction loop ({moved:,} leads)",
            ours_seconds / bare_seconds,
            "x",
            1.5,
            f"{ours_seconds * 1000 / moved:.1f} ms/lead vs {bare_seconds * 1000 / moved:.1f} "
            f"ms/lead (moto server; rounds of {ROUND_SIZE}; "
            f"bare loop sent {bare_counter.total:,} writes)",
        ),
    ]


def _event(name: str, subject: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / name).read_text())
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = subject
    return event


def _cold_start_rows(ctx: BenchContext) -> list[BenchRow]:
    agent_id = f"bench-tickets-{uuid.uuid4().hex[:6]}"
    now = utc_now()
    AccountModel(
        agent_id, email="t@example.com", name="Bench", created_at=now, updated_at=now
    ).save()
    return [
        cold_start_row(
            ctx,
            "cancellation_tickets (GET tickets)",
            "functions.cancellation_tickets.app",
            _event("cancellation_tickets/list_tickets.json", agent_id),
            with_stripe=False,
            target=API_TARGET,
        ),
        cold_start_row(
            ctx,
            "support (GET /v1/support/tickets)",
            "functions.support.app",
            _event("support/list_open_tickets.json", "bench-support"),
            with_stripe=True,
            target=API_TARGET,
        ),
    ]


def measure(ctx: BenchContext) -> list[BenchRow]:
    settings = cached_settings()
    return [*_reassignment_rows(settings), *_cold_start_rows(ctx)]
