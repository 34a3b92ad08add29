"""Free text (names, comments, notes, addresses) refuses C0/C1 control characters (newline
and tab allowed in multi-line fields) and bidirectional overrides/isolates: 400
invalid_request, nothing stored (API.md, "Hostile input")."""

from __future__ import annotations

import uuid

import pytest

from testing.api_client import Api

HOSTILE = {
    "nul": "a\x00b",
    "escape": "a\x1b[31mred",
    "carriage-return": "a\rb",
    "c1": "a\x85b",
    "rlo": "invoice\u202egpj.exe",
    "lri": "a\u2066b",
    "pdi": "a\u2069b",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_ticket_comments_refuse_controls_and_bidi(new_agent, name):
    _, agent = new_agent()
    response = agent.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "comment": HOSTILE[name], "acknowledge_consequences": True},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert agent.get("/v1/account/cancellation-tickets").json()["tickets"] == []
    assert agent.get("/v1/account").json()["status"] == "active"


def test_multi_line_comments_keep_newlines_and_tabs(new_agent):
    _, agent = new_agent()
    comment = "Line one\n\tLine two — ünïcode, 中文"
    response = agent.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "comment": comment, "acknowledge_consequences": True},
    )
    assert response.status_code == 201, response.text
    (ticket,) = agent.get("/v1/account/cancellation-tickets").json()["tickets"]
    assert ticket["comment"] == comment


@pytest.mark.parametrize("name", [*sorted(HOSTILE), "newline"])
def test_names_refuse_controls_and_bidi(stack, support_api, name):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    value = HOSTILE.get(name, "two\nlines")
    response = support_api.post(
        "/v1/support/accounts",
        json={"account_id": account_id, "email": f"{account_id}@example.com", "name": value},
    )
    assert response.status_code == 400, response.text
    never_created = Api(stack.api_url, stack.token(account_id)).get("/v1/account")
    assert never_created.status_code == 403  # no such account


@pytest.mark.parametrize("name", ["rlo", "nul", "c1"])
def test_lead_addresses_and_rejection_notes_refuse_them_too(support_api, new_agent, name):
    agent_id, agent = new_agent()
    lead_id = f"lead-{uuid.uuid4().hex[:8]}"
    upsert = support_api.post(
        "/v1/support/leads",
        json={
            "leads": [
                {
                    "lead_id": lead_id,
                    "territory": "78701",
                    "assigned_agent_id": agent_id,
                    "address": f"1 Main St {HOSTILE[name]}",
                }
            ]
        },
    )
    assert upsert.status_code == 400, upsert.text
    assert support_api.get(f"/v1/support/accounts/{agent_id}/leads").json()["leads"] == []

    ticket = agent.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "acknowledge_consequences": True},
    ).json()
    reject = support_api.post(
        f"/v1/support/tickets/{ticket['id']}/reject", json={"note": HOSTILE[name]}
    )
    assert reject.status_code == 400, reject.text
    assert support_api.get(f"/v1/support/tickets/{ticket['id']}").json()["status"] == "open"
