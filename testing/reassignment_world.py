"""A small world of agents, territories and leads for the reassignment tests, on the local
stack's DynamoDB (no HTTP, no Stripe; the departing agent's ticket is opened and approved through
the real domain functions), and the invariants every reassignment must leave behind.

Every world gets its own id prefix and territory names, so worlds never see each other's agents
(nor the other tests' agents) as candidates."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from shared.cancellation.requests import Approval, NewTicket
from shared.cancellation.tickets import approve_ticket, open_ticket
from shared.data.tables.accounts import (
    ACTIVE,
    CANCELLATION_REQUESTED,
    CANCELLED,
    AccountModel,
    TerritoryAgentModel,
)
from shared.data.tables.leads import AssignmentChange, LeadModel
from shared.data.tables.tickets import TicketModel
from shared.http.auth import Principal
from shared.leads.reassignment import ReassignmentJob
from shared.timeutil import iso, utc_now
from testing.fake_stripe import FakeStripe

SUPPORT = Principal(subject="support-tests", email=None, groups=frozenset({"support"}))


@dataclass
class World:
    prefix: str = field(default_factory=lambda: f"w{uuid.uuid4().hex[:8]}")
    agents: dict[str, str] = field(default_factory=dict)  # account_id -> intended status
    territories_of: dict[str, list[str]] = field(default_factory=dict)
    departing_id: str | None = None
    departing_leads: list[str] = field(default_factory=list)
    lead_territory: dict[str, str] = field(default_factory=dict)
    job: ReassignmentJob | None = None

    def territory(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def add_agent(
        self, name: str, territories: list[str], *, status: str = ACTIVE, leads: int = 0
    ) -> str:
        """Written straight to the tables (the state the real paths leave behind, without their
        per-call cost): an active, leaving (open ticket) or cancelled (out of its territories)
        agent, with `leads` leads of its own."""
        account_id = f"{self.prefix}-{name}"
        codes = [self.territory(code) for code in territories]
        serving = [] if status == CANCELLED else codes
        now = utc_now()
        AccountModel(
            account_id,
            email=f"{account_id}@example.com",
            name=name,
            status=CANCELLATION_REQUESTED if status == "leaving" else status,
            stripe_customer_id="cus_test",
            territories=serving,
            lead_count=leads,
            created_at=now,
            updated_at=now,
        ).save()
        for code in serving:
            TerritoryAgentModel(code, account_id).save()
        self._write_leads(
            [(f"{account_id}-own-{n:03d}", codes[n % len(codes)]) for n in range(leads)],
            account_id,
        )
        if status in ("leaving", CANCELLED):
            TicketModel(
                account_id,
                f"tkt_{account_id}",
                status="open" if status == "leaving" else "processing",
                reason="other",
                created=iso(now),
                updated_at=now,
            ).save()
        self.agents[account_id] = status
        self.territories_of[account_id] = codes
        return account_id

    def add_departing(self, territories: list[str], lead_territories: list[str]) -> str:
        """The agent whose cancellation gets approved, through the real ticket paths."""
        account_id = self.add_agent("departing", territories)
        self.departing_id = account_id
        leads = [
            (f"{self.prefix}-lead-{n:04d}", self.territory(code))
            for n, code in enumerate(lead_territories)
        ]
        self._write_leads(leads, account_id)
        AccountModel(account_id).update(actions=[AccountModel.lead_count.set(len(leads))])
        self.departing_leads = [lead_id for lead_id, _ in leads]
        self.lead_territory = dict(leads)
        return account_id

    @staticmethod
    def _write_leads(leads: list[tuple[str, str]], agent_id: str) -> None:
        now = utc_now()
        with LeadModel.batch_write() as batch:
            for lead_id, territory in leads:
                batch.save(
                    LeadModel(
                        lead_id,
                        territory=territory,
                        assigned_agent_id=agent_id,
                        status="assigned",
                        history=[
                            AssignmentChange(
                                from_agent_id=None, to_agent_id=agent_id, at=now, reason="test"
                            )
                        ],
                        updated_at=now,
                    )
                )

    def approve_departure(self) -> ReassignmentJob:
        assert self.departing_id is not None
        account = AccountModel.get(self.departing_id)
        ticket = open_ticket(account, NewTicket(reason="other", acknowledge_consequences=True))
        queued: list[dict[str, str]] = []
        approve_ticket(
            ticket.ticket_id, Approval(), SUPPORT, stripe=FakeStripe(), enqueue=queued.append
        )
        self.agents[self.departing_id] = CANCELLED
        self.job = ReassignmentJob(**queued[0])
        return self.job

    # ------------------------------------------------------------------------ observations

    def candidates(self, territory: str) -> list[str]:
        return sorted(
            agent
            for agent, status in self.agents.items()
            if status == ACTIVE and territory in self.territories_of[agent]
        )

    def holders(self) -> dict[str, str | None]:
        """lead_id -> assigned agent, read consistently from the table."""
        found = {
            lead.lead_id: lead
            for lead in LeadModel.batch_get(self.departing_leads, consistent_read=True)
        }
        assert set(found) == set(self.departing_leads), "a lead was lost"
        for lead in found.values():
            assert (lead.assigned_agent_id is None) == (lead.status == "unassigned")
        return {lead_id: lead.assigned_agent_id for lead_id, lead in found.items()}

    def lead_counts(self) -> dict[str, int]:
        return {
            account.account_id: int(account.lead_count)
            for account in AccountModel.batch_get(list(self.agents), consistent_read=True)
        }

    def indexed_leads(self, agent_id: str) -> list[str]:
        return [lead.lead_id for lead in LeadModel.by_assigned_agent_id.query(agent_id)]

    def ticket(self) -> TicketModel:
        assert self.job is not None
        return TicketModel.get(self.job.account_id, self.job.ticket_id, consistent_read=True)

    def snapshot(self) -> tuple[object, ...]:
        leads = LeadModel.batch_get(self.departing_leads, consistent_read=True)
        return (
            sorted((lead.lead_id, lead.assigned_agent_id, len(lead.history)) for lead in leads),
            sorted(self.lead_counts().items()),
            self.ticket().status,
            self.ticket().reassignment.as_dict() if self.ticket().reassignment else None,
        )

    def assert_consistent_midway(self) -> None:
        """At ANY point (even after a crash): every lead is with exactly one holder, moved leads
        sit with a candidate or in the pool, counters match the leads, progress matches."""
        holders = self.holders()
        assert self.departing_id is not None
        moved = {lead: agent for lead, agent in holders.items() if agent != self.departing_id}
        for lead_id, agent in moved.items():
            if agent is not None:
                assert agent in self.candidates(self.lead_territory[lead_id]), (lead_id, agent)
        counts = self.lead_counts()
        assert counts[self.departing_id] == len(holders) - len(moved)
        progress = self.ticket().reassignment
        assert progress is not None
        assert int(progress.reassigned) == sum(1 for agent in moved.values() if agent)
        assert int(progress.unassigned) == sum(1 for agent in moved.values() if agent is None)

    def assert_done(self) -> dict[str, str | None]:
        """After the job: nobody lost or duplicated, nothing left with the departing agent (or
        any other non-active agent), each lead with a candidate of its territory or - only when
        there is none - in the pool; counters and ticket progress add up."""
        assert self.departing_id is not None
        holders = self.holders()
        for lead_id, agent in holders.items():
            candidates = self.candidates(self.lead_territory[lead_id])
            if agent is None:
                assert candidates == [], (lead_id, candidates)
            else:
                assert agent in candidates, (lead_id, agent, candidates)
        assert self.indexed_leads(self.departing_id) == []
        counts = self.lead_counts()
        assert counts[self.departing_id] == 0
        received = Counter(agent for agent in holders.values() if agent)
        for agent in self.agents:
            if agent != self.departing_id:
                own = sum(1 for lead in self.indexed_leads(agent) if not lead.startswith(agent))
                assert own == received[agent], agent
                assert counts[agent] == len(self.indexed_leads(agent)), agent
        ticket = self.ticket()
        assert ticket.status == "completed"
        progress = ticket.reassignment
        assert progress is not None
        assert int(progress.total) == len(self.departing_leads)
        assert int(progress.reassigned) == sum(received.values())
        assert int(progress.unassigned) == sum(1 for agent in holders.values() if agent is None)
        return holders
