"""Raw card data is refused (400 raw_card_data_rejected) by key in any common spelling on
every route, and by value (13-19 digits passing Luhn) on billing routes; it changes nothing
and is never logged (API.md, "Hostile input")."""

from __future__ import annotations

import pytest

from shared.http.gate import looks_like_card_number

PAN = "4242424242424242"
SPELLINGS = [
    "number",
    "Number",
    "cardNumber",
    "card_number",
    "card-number",
    "CARD_NUMBER",
    "card[number]",
    "pan",
    "PAN",
    "cvc",
    "CVV",
    "cvv2",
    "securityCode",
    "exp_month",
    "expMonth",
    "exp_year",
    "expiry",
    "expirationDate",
]


@pytest.mark.parametrize("key", SPELLINGS)
def test_card_keys_in_any_spelling_are_refused_on_a_billing_route(new_agent, key, capfd):
    _, agent = new_agent()
    response = agent.put("/v1/billing/card", json={"setup_intent_id": "seti_x", key: PAN})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "raw_card_data_rejected"
    assert agent.get("/v1/billing/card").json() == {"card": None}
    assert PAN not in capfd.readouterr().out


@pytest.mark.parametrize("key", ["cardNumber", "card[number]", "pan", "CVV"])
def test_card_keys_are_refused_on_every_route_and_at_any_depth(new_agent, support_api, key):
    _, agent = new_agent()
    ticket = {
        "reason": "other",
        "acknowledge_consequences": True,
        "extra": [{"payment": {key: PAN}}],
    }
    responses = [
        agent.post("/v1/account/cancellation-tickets", json=ticket),
        support_api.post(
            "/v1/support/leads",
            json={"leads": [{"lead_id": "l-card", "territory": "78701", key: PAN}]},
        ),
    ]
    assert [r.json()["error"]["code"] for r in responses] == ["raw_card_data_rejected"] * 2
    assert agent.get("/v1/account").json()["status"] == "active"


@pytest.mark.parametrize(
    "value",
    [PAN, "4242 4242 4242 4242", "4242-4242-4242-4242", "5555555555554444", "378282246310005"],
)
def test_a_card_number_as_any_value_is_refused_on_billing_routes(new_agent, value, capfd):
    _, agent = new_agent()
    response = agent.put(
        "/v1/billing/card", json={"setup_intent_id": "seti_x", "note": f"my card {value}"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "raw_card_data_rejected"
    assert value not in capfd.readouterr().out


def test_a_number_that_fails_luhn_is_not_card_data():
    assert looks_like_card_number("4242424242424242")
    assert not looks_like_card_number("4242424242424241")
    assert not looks_like_card_number("123456789012")  # 12 digits: too short
    assert not looks_like_card_number(True)


def test_by_value_only_on_billing_routes(new_agent):
    """A ticket comment may quote a long reference number: only billing bodies are searched
    by value, so this one is judged on its own rules (and accepted)."""
    _, agent = new_agent()
    response = agent.post(
        "/v1/account/cancellation-tickets",
        json={
            "reason": "other",
            "comment": f"reference {PAN}",
            "acknowledge_consequences": True,
        },
    )
    assert response.status_code == 201, response.text
