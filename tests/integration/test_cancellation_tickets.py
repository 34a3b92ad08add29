"""Cancellation tickets and the support decisions on them, through the local gateway."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from local.seed import attach_card, monthly_plan, stripe_for, subscribe
from shared.cancellation.requests import Approval
from shared.cancellation.tickets import approve_ticket, find_ticket
from shared.data.tables.accounts import AccountModel, TerritoryAgentModel
from shared.errors import PaymentProviderUnavailable
from shared.http.auth import Principal
from shared.runtime import cached_settings
from testing.api_client import Api
from testing.fake_stripe import FakeStripe

TICKETS = "/v1/account/cancellation-tickets"
VALID = {"reason": "too_expensive", "comment": "Too pricey.", "acknowledge_consequences": True}


def territory() -> str:
    return f"T{uuid.uuid4().hex[:8]}"


def open_ticket(agent: Api, **overrides: Any) -> dict[str, Any]:
    response = agent.post(TICKETS, json={**VALID, **overrides})
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def account_status(agent: Api) -> str:
    return str(agent.get("/v1/account").json()["status"])


# ----------------------------------------------------------------------------- the agent


def test_opening_a_ticket_lists_the_consequences_and_marks_the_account(new_agent):
    _, agent = new_agent([territory()])

    ticket = open_ticket(agent)

    assert ticket["id"].startswith("tkt_")
    assert ticket["status"] == "open"
    assert ticket["reason"] == "too_expensive"
    assert ticket["comment"] == "Too pricey."
    assert ticket["created"].endswith("Z")
    consequences = " ".join(ticket["consequences"]).lower()
    for words in ("lose access to the platform", "predictive sellers", "leads", "reassigned"):
        assert words in consequences
    assert account_status(agent) == "cancellation_requested"
    assert agent.get(TICKETS).json()["tickets"] == [ticket]


def test_one_open_ticket_per_account(new_agent):
    _, agent = new_agent([territory()])
    first = open_ticket(agent)

    response = agent.post(TICKETS, json={**VALID, "reason": "other"})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ticket_already_open"
    assert error["ticket_id"] == first["id"]
    assert len(agent.get(TICKETS).json()["tickets"]) == 1


def test_withdrawing_returns_the_account_to_active_and_allows_a_new_ticket(new_agent):
    _, agent = new_agent([territory()])
    first = open_ticket(agent)

    response = agent.delete(f"{TICKETS}/{first['id']}")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert account_status(agent) == "active"
    again = agent.delete(f"{TICKETS}/{first['id']}")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    second = open_ticket(agent, reason="unused")
    listed = [ticket["id"] for ticket in agent.get(TICKETS).json()["tickets"]]
    assert listed == [second["id"], first["id"]]  # newest first


def test_another_accounts_ticket_is_not_found(new_agent):
    _, owner = new_agent([territory()])
    _, stranger = new_agent([territory()])
    ticket = open_ticket(owner)

    response = stranger.delete(f"{TICKETS}/{ticket['id']}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert account_status(owner) == "cancellation_requested"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "reason": "bored"}, "reason"),
        ({"reason": "unused"}, "acknowledge_consequences"),
        ({**VALID, "acknowledge_consequences": False}, "acknowledge_consequences"),
        ({**VALID, "comment": "x" * 2001}, "comment"),
    ],
    ids=["unknown-reason", "missing-acknowledgement", "not-acknowledged", "comment-too-long"],
)
def test_bad_ticket_requests_are_400_and_change_nothing(new_agent, body, field):
    _, agent = new_agent([territory()])

    response = agent.post(TICKETS, json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in {item["field"] for item in error["fields"]}
    assert agent.get(TICKETS).json()["tickets"] == []
    assert account_status(agent) == "active"


def test_a_comment_of_exactly_2000_characters_is_fine(new_agent):
    _, agent = new_agent([territory()])
    assert open_ticket(agent, comment="é" * 2000)["comment"] == "é" * 2000


# ---------------------------------------------------------------------------- support


def test_support_sees_the_queue_and_the_ticket(support_api, new_agent):
    account_id, agent = new_agent([territory()])
    ticket = open_ticket(agent)

    queue = support_api.get("/v1/support/tickets", params={"status": "open"}).json()
    detail = support_api.get(f"/v1/support/tickets/{ticket['id']}")

    assert ticket["id"] in [item["id"] for item in queue["tickets"]]
    assert all(item["status"] == "open" for item in queue["tickets"])
    assert detail.status_code == 200
    assert detail.json()["account_id"] == account_id
    assert support_api.get("/v1/support/tickets/tkt_unknown").status_code == 404
    assert support_api.get("/v1/support/tickets", params={"status": "bogus"}).status_code == 400


def test_support_queue_paginates(support_api, new_agent):
    for _ in range(3):
        open_ticket(new_agent([territory()])[1])
    pages = support_api.pages("/v1/support/tickets", status="open", limit=2)
    seen = [ticket["id"] for page in pages for ticket in page["tickets"]]
    assert len(seen) == len(set(seen)) >= 3


def test_rejecting_keeps_the_agent(support_api, new_agent):
    _, agent = new_agent([territory()])
    ticket = open_ticket(agent)

    response = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/reject", json={"note": "Retained with a discount."}
    )

    assert response.status_code == 200
    rejected = response.json()
    assert rejected["status"] == "rejected"
    assert rejected["note"] == "Retained with a discount."
    assert rejected["decided_by"] == "support-staff"
    assert account_status(agent) == "active"
    approve = support_api.post(f"/v1/support/tickets/{ticket['id']}/approve", json={})
    assert approve.status_code == 409
    reject_again = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/reject", json={"note": "again"}
    )
    assert reject_again.status_code == 409
    empty_note = support_api.post(f"/v1/support/tickets/{ticket['id']}/reject", json={"note": ""})
    assert empty_note.status_code == 400


def test_approving_a_withdrawn_ticket_is_a_conflict(support_api, new_agent):
    _, agent = new_agent([territory()])
    ticket = open_ticket(agent)
    agent.delete(f"{TICKETS}/{ticket['id']}")

    response = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/approve", json={"effective": "immediately"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert account_status(agent) == "active"


def test_an_agent_cannot_approve_its_own_ticket(new_agent):
    _, agent = new_agent([territory()])
    ticket = open_ticket(agent)

    response = agent.post(f"/v1/support/tickets/{ticket['id']}/approve", json={})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert account_status(agent) == "cancellation_requested"


def test_support_staff_cannot_approve_a_ticket_of_their_own_account(stack, new_agent):
    account_id, agent = new_agent([territory()])
    ticket = open_ticket(agent)
    same_person_as_support = Api(stack.api_url, stack.token(account_id, groups=["support"]))

    response = same_person_as_support.post(
        f"/v1/support/tickets/{ticket['id']}/approve", json={"effective": "immediately"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert account_status(agent) == "cancellation_requested"


def test_bad_approval_body_is_400(support_api, new_agent):
    _, agent = new_agent([territory()])
    ticket = open_ticket(agent)
    response = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/approve", json={"effective": "tomorrow"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def subscribed_agent(stack, new_agent) -> tuple[str, Api, str]:
    account_id, agent = new_agent([territory(), territory()])
    customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
    client = stripe_for(stack)
    attach_card(client, customer_id, "4242424242424242")
    subscription = subscribe(client, customer_id, monthly_plan(client, "Pro", 29900))
    return account_id, agent, subscription.id


def test_approval_cancels_in_stripe_and_locks_the_agent_out(stack, support_api, new_agent):
    account_id, agent, subscription_id = subscribed_agent(stack, new_agent)
    territories = agent.get("/v1/account").json()["territories"]
    ticket = open_ticket(agent)

    response = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/approve", json={"effective": "immediately"}
    )

    assert response.status_code == 202, response.text
    approved = response.json()
    assert approved["status"] in ("processing", "completed")
    assert approved["effective"] == "immediately"
    assert approved["reassignment"] is not None
    subscription = stripe_for(stack).v1.subscriptions.retrieve(subscription_id)
    assert subscription.status == "canceled"
    cached_settings()
    account = AccountModel.get(account_id)
    assert account.status == "cancelled"
    assert account.territories == []
    for code in territories:
        assert account_id not in [row.account_id for row in TerritoryAgentModel.query(code)]
    locked = agent.get("/v1/account")
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "account_cancelled"
    assert agent.get(TICKETS).json()["error"]["code"] == "account_cancelled"
    assert agent.post(TICKETS, json=VALID).json()["error"]["code"] == "account_cancelled"


def test_approving_twice_does_nothing_more(stack, support_api, new_agent):
    _, agent, _ = subscribed_agent(stack, new_agent)
    ticket = open_ticket(agent)
    path = f"/v1/support/tickets/{ticket['id']}/approve"
    first = support_api.post(path, json={"effective": "immediately"}).json()

    second = support_api.post(path, json={"effective": "period_end"})

    assert second.status_code == 202
    assert second.json()["effective"] == "immediately"
    assert second.json()["decided_by"] == first["decided_by"]
    assert second.json()["created"] == first["created"]


def test_approval_at_period_end_lets_the_subscription_run_out(stack, support_api, new_agent):
    _, agent, subscription_id = subscribed_agent(stack, new_agent)
    ticket = open_ticket(agent)

    response = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/approve", json={"effective": "period_end"}
    )

    assert response.status_code == 202
    subscription = stripe_for(stack).v1.subscriptions.retrieve(subscription_id)
    assert subscription.cancel_at_period_end is True
    assert subscription.status == "active"
    assert agent.get("/v1/account").json()["error"]["code"] == "account_cancelled"


def test_a_stripe_outage_during_approval_changes_nothing(stack, new_agent):
    account_id, agent = new_agent([territory()])
    ticket = open_ticket(agent)
    cached_settings()
    queued: list[dict[str, str]] = []

    with pytest.raises(PaymentProviderUnavailable):
        approve_ticket(
            ticket["id"],
            Approval(effective="immediately"),
            Principal(subject="support-staff", email=None, groups=frozenset({"support"})),
            stripe=FakeStripe(down=True),
            enqueue=queued.append,
        )

    assert queued == []
    assert find_ticket(ticket["id"]).status == "open"
    assert AccountModel.get(account_id).status == "cancellation_requested"
    assert account_status(agent) == "cancellation_requested"
