"""Leads: support upserts them, agents' lead counters follow every (re)assignment."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from pynamodb.exceptions import TransactWriteError

from shared.data.conditions import transaction_condition_failed
from shared.data.connection import transaction
from shared.data.tables.accounts import CANCELLED, AccountModel
from shared.data.tables.leads import IN_POOL, AssignmentChange, LeadModel
from shared.errors import Conflict, NotFound
from shared.http.pagination import signed_page
from shared.timeutil import iso, utc_now

if TYPE_CHECKING:
    from shared.leads.requests import LeadInput, LeadUpsert

ASSIGNED = "assigned"
UNASSIGNED = "unassigned"


def pool_key(territory: str, lead_id: str) -> str:
    """A pooled lead's sort key in the pool index: by territory, then lead id. Territories never
    contain "#" (shared.http.text.TERRITORY_PATTERN), so "<territory>#" is one territory."""
    return f"{territory}#{lead_id}"


# Views are TypedDicts: support's reads never load pydantic (see shared.http.app.create_app).
class LeadView(TypedDict):
    lead_id: str
    territory: str
    assigned_agent_id: str | None
    status: str
    address: str | None
    score: float | None
    updated_at: str | None


class LeadPage(TypedDict):
    leads: list[LeadView]
    next_cursor: str | None


def lead_view(lead: LeadModel) -> LeadView:
    return LeadView(
        lead_id=lead.lead_id,
        territory=lead.territory,
        assigned_agent_id=lead.assigned_agent_id,
        status=lead.status,
        address=lead.address,
        score=None if lead.score is None else float(lead.score),
        updated_at=iso(lead.updated_at),
    )


def _check_agents_exist(agent_ids: set[str]) -> None:
    found = {account.account_id: account for account in AccountModel.batch_get(agent_ids)}
    missing = sorted(agent_ids - found.keys())
    if missing:
        raise NotFound(f"Unknown agent(s): {', '.join(missing[:5])}.")
    cancelled = sorted(agent_id for agent_id, acc in found.items() if acc.status == CANCELLED)
    if cancelled:
        raise Conflict(f"Cannot assign leads to cancelled agent(s): {', '.join(cancelled[:5])}.")


def upsert_leads(upsert: LeadUpsert) -> int:
    """Leads are written in transactions of up to CHUNK_SIZE together with the lead counters they
    move, so counters never drift from the leads whatever fails midway, and each lead is only
    written if nobody reassigned it since we read it."""
    # An upsert: when a lead appears twice in one request, its last version wins.
    leads = list({lead.lead_id: lead for lead in upsert.leads}.values())
    _check_agents_exist({lead.assigned_agent_id for lead in leads if lead.assigned_agent_id})
    existing = {
        lead.lead_id: lead for lead in LeadModel.batch_get([lead.lead_id for lead in leads])
    }
    for start in range(0, len(leads), CHUNK_SIZE):
        _upsert_chunk(leads[start : start + CHUNK_SIZE], existing)
    return len(leads)


# A transaction holds at most 100 items: 50 leads plus at most 50 distinct counters.
CHUNK_SIZE = 50


def _upsert_chunk(chunk: list[LeadInput], existing: dict[str, LeadModel]) -> None:
    now = utc_now()
    counter_changes: Counter[str] = Counter()
    try:
        with transaction() as write:
            for lead_input in chunk:
                previous = existing.get(lead_input.lead_id)
                lead, condition = _next_lead_state(lead_input, previous, now)
                write.save(lead, condition=condition)
                previous_agent = previous.assigned_agent_id if previous else None
                if previous_agent != lead.assigned_agent_id:
                    if previous_agent:
                        counter_changes[previous_agent] -= 1
                    if lead.assigned_agent_id:
                        counter_changes[lead.assigned_agent_id] += 1
            for agent_id, change in counter_changes.items():
                if change:
                    write.update(
                        AccountModel(agent_id),
                        actions=[AccountModel.lead_count.add(change)],
                        condition=AccountModel.status != CANCELLED if change > 0 else None,
                    )
    except TransactWriteError as error:
        if not transaction_condition_failed(error):
            raise
        raise Conflict("Some of these leads changed while they were being written; retry.") from (
            error
        )


def _next_lead_state(
    lead_input: LeadInput, previous: LeadModel | None, now: datetime
) -> tuple[LeadModel, Any]:
    previous_agent = previous.assigned_agent_id if previous else None
    new_agent = lead_input.assigned_agent_id
    history = list(previous.history) if previous else []
    if previous is None or previous_agent != new_agent:
        history.append(
            AssignmentChange(
                from_agent_id=previous_agent, to_agent_id=new_agent, at=now, reason="support_upsert"
            )
        )
    lead = LeadModel(
        lead_input.lead_id,
        territory=lead_input.territory,
        assigned_agent_id=new_agent,
        status=ASSIGNED if new_agent else UNASSIGNED,
        address=lead_input.address,
        score=lead_input.score,
        history=history,
        updated_at=now,
        # In the pool index exactly while unassigned (the whole item is written here).
        pool=None if new_agent else IN_POOL,
        pool_key=None if new_agent else pool_key(lead_input.territory, lead_input.lead_id),
    )
    condition: Any = (
        LeadModel.lead_id.does_not_exist()
        if previous is None
        else LeadModel.updated_at == previous.updated_at
    )
    return lead, condition


def agent_leads(agent_id: str, *, limit: int, cursor: str | None, key: bytes) -> LeadPage:
    leads, next_cursor = signed_page(
        lambda start: LeadModel.by_assigned_agent_id.query(
            agent_id, limit=limit, last_evaluated_key=start
        ),
        cursor=cursor,
        scope=f"leads:{agent_id}",
        key=key,
    )
    return LeadPage(leads=[lead_view(lead) for lead in leads], next_cursor=next_cursor)
