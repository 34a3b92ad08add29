"""The whole cancellation journey through the local gateway: the agent opens a ticket, support
approves it, the SQS consumer reassigns the leads, the ticket completes, and the agent keeps only
its billing records."""

from __future__ import annotations

import time
import uuid
from typing import Any

from local.seed import attach_card, monthly_plan, stripe_for, subscribe
from shared.data.tables.leads import LeadModel
from shared.runtime import cached_settings
from testing.api_client import Api


def all_leads(support_api: Api, agent_id: str) -> list[dict[str, Any]]:
    pages = support_api.pages(f"/v1/support/accounts/{agent_id}/leads", limit=100)
    return [lead for page in pages for lead in page["leads"]]


def wait_for_status(support_api: Api, ticket_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while True:
        ticket: dict[str, Any] = support_api.get(f"/v1/support/tickets/{ticket_id}").json()
        if ticket["status"] == status or time.monotonic() > deadline:
            return ticket
        time.sleep(0.3)


def test_cancel_approve_reassign_and_lock_out(stack, support_api, new_agent):
    # Given three territories: X served by two active agents, Y by one active agent and one
    # agent who asked to leave, Z by nobody but the departing agent
    tag = uuid.uuid4().hex[:6]
    x, y, z = f"X{tag}", f"Y{tag}", f"Z{tag}"
    departing_id, departing = new_agent([x, y, z])
    ana_id, ana = new_agent([x, y], account_id=f"agent-ana-{tag}")
    ben_id, ben = new_agent([x], account_id=f"agent-ben-{tag}")
    leaving_id, leaving = new_agent([y], account_id=f"agent-cy-{tag}")
    assert leaving.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "unused", "acknowledge_consequences": True},
    ).ok
    customer_id = departing.get("/v1/account").json()["stripe_customer_id"]
    stripe = stripe_for(stack)
    attach_card(stripe, customer_id, "4242424242424242")
    subscription = subscribe(stripe, customer_id, monthly_plan(stripe, "Pro", 29900))
    territories = [x] * 20 + [y] * 12 + [z] * 8
    leads = [
        {"lead_id": f"j-{tag}-{n:03d}", "territory": code, "assigned_agent_id": departing_id}
        for n, code in enumerate(territories)
    ] + [
        {"lead_id": f"j-{tag}-ana-{n}", "territory": x, "assigned_agent_id": ana_id} for n in (1, 2)
    ]
    assert support_api.post("/v1/support/leads", json={"leads": leads}).status_code == 200
    assert departing.get("/v1/account").json()["lead_count"] == 40

    # When the agent asks to cancel and support approves
    opened = departing.post(
        "/v1/account/cancellation-tickets",
        json={
            "reason": "switched_service",
            "comment": "Moving on.",
            "acknowledge_consequences": True,
        },
    )
    assert opened.status_code == 201
    ticket_id = opened.json()["id"]
    assert ticket_id in [t["id"] for t in support_api.get("/v1/support/tickets").json()["tickets"]]
    approved = support_api.post(
        f"/v1/support/tickets/{ticket_id}/approve", json={"effective": "immediately"}
    )
    assert approved.status_code == 202
    assert approved.json()["status"] in ("processing", "completed")

    # Then the queue consumer places every lead and completes the ticket
    ticket = wait_for_status(support_api, ticket_id, "completed")
    assert ticket["status"] == "completed", ticket
    assert ticket["reassignment"] == {"total": 40, "reassigned": 32, "unassigned": 8}
    assert all_leads(support_api, departing_id) == []

    ana_leads = {lead["lead_id"]: lead for lead in all_leads(support_api, ana_id)}
    ben_leads = {lead["lead_id"]: lead for lead in all_leads(support_api, ben_id)}
    assert all_leads(support_api, leaving_id) == []
    assert not set(ana_leads) & set(ben_leads)
    assert all(lead["territory"] in (x, y) for lead in ana_leads.values())
    assert all(lead["territory"] == x for lead in ben_leads.values())
    # Y had one candidate (Ana); X was shared least-loaded first: Ana started with 2 leads.
    assert sum(lead["territory"] == y for lead in ana_leads.values()) == 12
    ana_x = sum(lead["territory"] == x for lead in ana_leads.values()) - 2
    assert (ana_x, len(ben_leads)) == (9, 11)
    cached_settings()
    pool = [
        lead
        for lead in LeadModel.batch_get([lead["lead_id"] for lead in leads], consistent_read=True)
        if lead.assigned_agent_id is None
    ]
    assert sorted(lead.territory for lead in pool) == [z] * 8
    assert all(lead.status == "unassigned" for lead in pool)
    assert ana.get("/v1/account").json()["lead_count"] == len(ana_leads) == 2 + 9 + 12
    assert ben.get("/v1/account").json()["lead_count"] == len(ben_leads) == 11
    assert len(ana_leads) + len(ben_leads) + len(pool) == 42

    # And Stripe no longer bills the agent, who keeps only the billing records
    assert stripe.v1.subscriptions.retrieve(subscription.id).status == "canceled"
    locked = departing.get("/v1/account")
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "account_cancelled"
    invoices = departing.get("/v1/billing/invoices")
    assert invoices.status_code == 200, invoices.text
