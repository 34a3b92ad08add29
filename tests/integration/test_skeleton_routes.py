"""The walking skeleton's routes, end to end through the local gateway."""

from __future__ import annotations

import stripe

from local.stack import STRIPE_SECRET_KEY
from testing.api_client import Api


def test_health_needs_no_token(stack):
    response = Api(stack.api_url).get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_missing_bad_and_expired_tokens_are_401(stack):
    anonymous = Api(stack.api_url)
    assert anonymous.get("/v1/account").status_code == 401
    forged = Api(stack.api_url, "not.a.jwt")
    assert forged.get("/v1/account").json()["error"]["code"] == "unauthorized"
    expired = Api(stack.api_url, stack.token("agent-x", ttl_seconds=-60))
    response = expired.get("/v1/account")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_unknown_route_is_a_json_404(stack):
    response = Api(stack.api_url).get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_support_creates_an_agent_with_a_stripe_customer(stack, support_api, new_agent):
    account_id, agent = new_agent(["78701", "78702"], name="Zoë Ångström")

    response = agent.get("/v1/account")

    assert response.status_code == 200
    account = response.json()
    assert account["account_id"] == account_id
    assert account["name"] == "Zoë Ångström"
    assert account["status"] == "active"
    assert account["card"] is None
    assert account["balance_due"] == {"amount": 0, "currency": "usd"}
    assert account["open_invoice_count"] == 0
    assert account["lead_count"] == 0
    client = stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": stack.stripe_url})
    customer = client.v1.customers.retrieve(account["stripe_customer_id"])
    assert customer.email == f"{account_id}@example.com"
    assert customer.metadata is not None
    assert customer.metadata["account_id"] == account_id


def test_creating_the_same_account_twice_is_a_conflict(support_api, new_agent):
    account_id, _ = new_agent()
    response = support_api.post(
        "/v1/support/accounts",
        json={"account_id": account_id, "email": "x@example.com", "name": "X"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_support_routes_need_the_support_group(stack, new_agent):
    _, agent = new_agent()
    response = agent.post(
        "/v1/support/accounts", json={"account_id": "a-1", "email": "a@example.com", "name": "A"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_support_routes_refuse_a_caller_without_the_group_before_reading_the_input(
    stack, new_agent
):
    """Given an agent's token, when it calls support routes with a bad body or a bad query,
    then the answer is 403: nothing about the route's inputs is revealed as a 400."""
    _, agent = new_agent()
    bad_requests = [
        agent.post("/v1/support/accounts", json={"account_id": ""}),
        agent.post("/v1/support/leads", json={"leads": "not a list"}),
        agent.post("/v1/support/tickets/tkt_x/approve", json={"effective": "someday"}),
        agent.get("/v1/support/tickets?status=nonsense&limit=-4"),
        agent.get("/v1/support/accounts/someone/leads?limit=abc"),
        agent.get("/v1/support/tickets/tkt_nothing"),
    ]
    assert [(r.status_code, r.json()["error"]["code"]) for r in bad_requests] == [
        (403, "forbidden")
    ] * len(bad_requests)


def test_agent_route_for_a_caller_without_account_is_403(stack):
    response = Api(stack.api_url, stack.token("nobody-here")).get("/v1/account")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_bad_body_is_400_with_fields_and_changes_nothing(support_api):
    response = support_api.post(
        "/v1/support/accounts",
        json={"account_id": "agent-bad", "email": "not-an-email", "territories": "78701"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    fields = {item["field"] for item in error["fields"]}
    assert {"email", "name", "territories"} <= fields
    assert "Traceback" not in response.text
    # Nothing was created.
    retry = support_api.post(
        "/v1/support/accounts",
        json={"account_id": "agent-bad", "email": "ok@example.com", "name": "Now valid"},
    )
    assert retry.status_code == 201


def test_malformed_json_is_400(support_api):
    response = support_api.post(
        "/v1/support/accounts", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_leads_upsert_counts_and_paginates(support_api, new_agent):
    agent_id, agent = new_agent(["78701"])
    leads = [
        {
            "lead_id": f"{agent_id}-lead-{n:03d}",
            "territory": "78701",
            "assigned_agent_id": agent_id,
            "address": f"{n} Main St",
            "score": 0.5,
        }
        for n in range(75)
    ]

    response = support_api.post("/v1/support/leads", json={"leads": leads})

    assert response.status_code == 200
    assert response.json() == {"upserted": 75}
    assert agent.get("/v1/account").json()["lead_count"] == 75
    pages = support_api.pages(f"/v1/support/accounts/{agent_id}/leads", limit=30)
    seen = [lead["lead_id"] for page in pages for lead in page["leads"]]
    assert sorted(seen) == sorted(lead["lead_id"] for lead in leads)


def test_moving_a_lead_moves_the_counters(support_api, new_agent):
    first_id, first = new_agent(["78702"])
    second_id, second = new_agent(["78702"])
    lead = {"lead_id": f"move-{first_id}", "territory": "78702", "assigned_agent_id": first_id}
    support_api.post("/v1/support/leads", json={"leads": [lead]})

    support_api.post(
        "/v1/support/leads", json={"leads": [{**lead, "assigned_agent_id": second_id}]}
    )

    assert first.get("/v1/account").json()["lead_count"] == 0
    assert second.get("/v1/account").json()["lead_count"] == 1


def test_leads_for_unknown_agents_are_refused(support_api):
    response = support_api.post(
        "/v1/support/leads",
        json={"leads": [{"lead_id": "l-unknown", "territory": "1", "assigned_agent_id": "ghost"}]},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_leads_request_limits(support_api):
    too_many = [{"lead_id": f"l{n}", "territory": "1"} for n in range(501)]
    assert support_api.post("/v1/support/leads", json={"leads": too_many}).status_code == 400
    assert support_api.post("/v1/support/leads", json={"leads": []}).status_code == 400


def test_tampered_cursor_is_refused(support_api, new_agent):
    agent_id, _ = new_agent()
    response = support_api.get(
        f"/v1/support/accounts/{agent_id}/leads", params={"cursor": "dGFtcGVyZWQ"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
