"""The unassigned pool (issue #16): support's pool query for one territory examines as many
items with 20,000 assigned leads in that territory as with none (target 1.00x), because it
reads the sparse pool index, which holds pooled leads only; and consumes as much capacity.

Judged on DynamoDB's own accounting (`testing.pool_probe.pool_query_cost`: `ScannedCount` and
the consumed capacity, summed over pages of 100, the query exactly as the route sends it):
first with the territory's 50 pooled leads alone (upserted through support's API), then with
20,000 assigned leads of the same territory batch-written beside them (no pool keys, as an
assigned lead is stored). A query on the territory's leads, or a filtered scan, would examine
the 20,000 too. Latency is information only: moto answers an index Query by looking at every
item of the table, so there it grows with the table although DynamoDB's does not. The 20,000
are deleted afterwards, so the benchmarks that run after this one do not pay for them."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from bench.core import BenchContext, BenchRow
from shared.data.tables.leads import AssignmentChange, LeadModel
from shared.runtime import cached_settings
from testing.account_factory import save_account
from testing.pool_probe import PoolQueryCost, pool_query_cost

POOLED = 50
ASSIGNED = 20_000
PAGE_SIZE = 100


def _agent(tag: str) -> str:
    agent_id = f"bench-pool-agent-{tag}"
    save_account(agent_id, name="Bench Pool", territories=[], lead_count=ASSIGNED)
    return agent_id


def _pool_leads(ctx: BenchContext, territory: str, tag: str) -> list[str]:
    """POOLED leads without an agent, upserted through support's API (into the pool)."""
    token = ctx.stack.token("bench-support", groups=["support"])
    leads: list[dict[str, Any]] = [
        {"lead_id": f"bench-pool-{tag}-{n:03d}", "territory": territory, "score": 0.5}
        for n in range(POOLED)
    ]
    answer = requests.post(
        f"{ctx.stack.api_url}/v1/support/leads",
        json={"leads": leads},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    answer.raise_for_status()
    return [lead["lead_id"] for lead in leads]


def _assigned_leads(territory: str, agent_id: str, tag: str) -> list[LeadModel]:
    now = datetime.now(UTC)
    return [
        LeadModel(
            f"bench-assigned-{tag}-{n:05d}",
            territory=territory,
            assigned_agent_id=agent_id,
            status="assigned",
            address=f"{n} Bench St",
            score=0.5,
            history=[
                AssignmentChange(from_agent_id=None, to_agent_id=agent_id, at=now, reason="seed")
            ],
            updated_at=now,
        )
        for n in range(ASSIGNED)
    ]


def _measured(territory: str, repeats: int) -> tuple[PoolQueryCost, float]:
    """The query's cost (the same every time: DynamoDB's accounting) and its median latency."""
    costs = [pool_query_cost(territory, page_size=PAGE_SIZE) for _ in range(repeats + 1)]
    first = costs[0]
    assert all(
        (cost.returned, cost.examined, cost.capacity)
        == (first.returned, first.examined, first.capacity)
        for cost in costs
    ), costs
    return first, statistics.median(cost.seconds for cost in costs[1:])


def _delete(leads: list[LeadModel]) -> None:
    with LeadModel.batch_write() as batch:
        for lead in leads:
            batch.delete(lead)


def measure(ctx: BenchContext) -> list[BenchRow]:
    cached_settings()
    tag = uuid.uuid4().hex[:6]
    territory = f"bench{tag}"
    pooled = _pool_leads(ctx, territory, tag)
    alone, alone_seconds = _measured(territory, ctx.repeats)
    assigned = _assigned_leads(territory, _agent(tag), tag)
    started = time.perf_counter()
    with LeadModel.batch_write() as batch:
        for lead in assigned:
            batch.save(lead)
    load_seconds = time.perf_counter() - started
    try:
        crowded, crowded_seconds = _measured(territory, ctx.repeats)
    finally:
        _delete([*assigned, *(LeadModel(lead_id) for lead_id in pooled)])
    assert alone.returned == crowded.returned == POOLED, (alone, crowded)
    pages = f"{crowded.pages} vs {alone.pages} pages of {PAGE_SIZE}"
    return [
        BenchRow(
            f"unassigned pool query: items examined, {ASSIGNED:,} assigned leads in the "
            "territory / none",
            crowded.examined / alone.examined,
            "x",
            1.0,
            f"{crowded.examined} vs {alone.examined} items examined (ScannedCount) to answer "
            f"{crowded.returned} vs {alone.returned} pooled leads of the territory; {pages}",
        ),
        BenchRow(
            f"unassigned pool query: capacity consumed, {ASSIGNED:,} assigned leads in the "
            "territory / none",
            crowded.capacity / alone.capacity,
            "x",
            1.0,
            f"{crowded.capacity:g} vs {alone.capacity:g} read units (moto: flat per request)",
        ),
        BenchRow(
            f"unassigned pool query latency, {ASSIGNED:,} assigned leads in the territory / none",
            crowded_seconds / alone_seconds,
            "x",
            None,
            f"p50 {crowded_seconds * 1000:.1f} ms vs {alone_seconds * 1000:.1f} ms (median of "
            f"{ctx.repeats}; moto looks at every item of the table for an index Query); "
            f"{ASSIGNED:,} loaded in {load_seconds:.0f} s",
        ),
    ]
