"""Update Credit Card and Submit Payment against localstripe, through the local gateway."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from local.seed import attach_card, monthly_plan, subscribe
from local.stack import STRIPE_SECRET_KEY
from shared.billing.cards import CardUpdateRequest, update_card
from shared.data.tables.accounts import CANCELLED, AccountModel
from shared.errors import PaymentProviderUnavailable
from shared.stripe.gateway import StripeGateway
from testing.localstripe import customer_of

GOOD_CARD = "4242424242424242"
DECLINES_ON_CHARGE = "4000000000000341"
DECLINED_ON_ATTACH = "4000000000000002"


def agent_with_failed_invoice(new_agent, client: stripe.StripeClient) -> tuple[str, Any, str]:
    """An agent whose card declines on charge, with an open invoice whose payment failed."""
    account_id, agent = new_agent()
    customer = customer_of(account_id)
    attach_card(client, customer, DECLINES_ON_CHARGE)
    subscription = subscribe(client, customer, monthly_plan(client, "Pro", 29900))
    assert subscription.status == "incomplete"
    invoice_id = str(subscription.latest_invoice)
    assert client.v1.invoices.retrieve(invoice_id).status == "open"
    return account_id, agent, invoice_id


def confirmed_setup_intent(agent, client: stripe.StripeClient, number: str) -> str:
    """What Stripe.js does in the browser: create a SetupIntent via our API, confirm it."""
    response = agent.post("/v1/billing/setup-intents")
    assert response.status_code == 201, response.text
    intent = response.json()
    assert intent["client_secret"]
    assert intent["publishable_key"].startswith("pk_")
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    client.v1.setup_intents.confirm(intent["id"], params={"payment_method": method.id})
    return str(intent["id"])


def test_new_card_pays_the_failed_invoice(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_failed_invoice(new_agent, stripe_client)
    setup_intent = confirmed_setup_intent(agent, stripe_client, GOOD_CARD)

    response = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031}
    assert body["invoices_paid"] == [invoice_id]
    assert body["invoices_failed"] == []
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "paid"
    customer = stripe_client.v1.customers.retrieve(customer_of(account_id))
    assert customer.invoice_settings is not None
    new_default = customer.invoice_settings.default_payment_method
    assert stripe_client.v1.payment_methods.retrieve(str(new_default)).card.last4 == "4242"
    assert agent.get("/v1/billing/card").json()["card"]["last4"] == "4242"
    assert agent.get("/v1/account").json()["card"]["last4"] == "4242"


def test_previous_card_is_detached(new_agent, stripe_client):
    account_id, agent = new_agent()
    first = confirmed_setup_intent(agent, stripe_client, GOOD_CARD)
    agent.put("/v1/billing/card", json={"setup_intent_id": first})
    first_method = AccountModel.get(account_id).card.payment_method_id

    second = confirmed_setup_intent(agent, stripe_client, "5555555555554444")
    response = agent.put("/v1/billing/card", json={"setup_intent_id": second})

    assert response.status_code == 200, response.text
    assert response.json()["card"]["last4"] == "4444"
    assert stripe_client.v1.payment_methods.retrieve(str(first_method)).customer is None


def test_card_still_declining_reports_the_bank_message(new_agent, stripe_client):
    _, agent, invoice_id = agent_with_failed_invoice(new_agent, stripe_client)
    setup_intent = confirmed_setup_intent(agent, stripe_client, DECLINES_ON_CHARGE)

    response = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invoices_paid"] == []
    assert [failure["id"] for failure in body["invoices_failed"]] == [invoice_id]
    assert "declined" in body["invoices_failed"][0]["message"].lower()


def test_card_declined_on_attach_is_402_and_changes_nothing(new_agent, stripe_client):
    account_id, agent = new_agent()
    good = confirmed_setup_intent(agent, stripe_client, GOOD_CARD)
    agent.put("/v1/billing/card", json={"setup_intent_id": good})
    before = AccountModel.get(account_id).card.attribute_values
    declined = stripe_client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": DECLINED_ON_ATTACH, "exp_month": 1, "exp_year": 2032, "cvc": "123"},
        }
    )

    response = agent.put("/v1/billing/card", json={"payment_method_id": declined.id})

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "card_declined"
    assert "declined" in response.json()["error"]["message"].lower()
    assert AccountModel.get(account_id).card.attribute_values == before
    customer = stripe_client.v1.customers.retrieve(customer_of(account_id))
    assert customer.invoice_settings is not None
    assert customer.invoice_settings.default_payment_method == before["payment_method_id"]


def test_setup_intent_of_another_customer_is_404(new_agent, stripe_client):
    _, other = new_agent()
    others_intent = confirmed_setup_intent(other, stripe_client, GOOD_CARD)
    account_id, agent = new_agent()

    response = agent.put("/v1/billing/card", json={"setup_intent_id": others_intent})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert AccountModel.get(account_id).card is None


def test_unconfirmed_setup_intent_is_409(new_agent):
    _, agent = new_agent()
    intent = agent.post("/v1/billing/setup-intents").json()

    response = agent.put("/v1/billing/card", json={"setup_intent_id": intent["id"]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "setup_incomplete"


def test_the_same_put_twice_pays_once(new_agent, stripe_client):
    account_id, agent, _invoice_id = agent_with_failed_invoice(new_agent, stripe_client)
    setup_intent = confirmed_setup_intent(agent, stripe_client, GOOD_CARD)

    first = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent})
    second = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent})

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    charges = stripe_client.v1.charges.list(params={"customer": customer_of(account_id)})
    succeeded = [charge for charge in charges.data if charge.status == "succeeded"]
    assert len(succeeded) == 1
    assert succeeded[0].amount == 29900


@pytest.mark.parametrize(
    "body",
    [
        {"setup_intent_id": "seti_1", "card": {"number": "4242424242424242", "cvc": "123"}},
        {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        {"payment_method": {"card_number": "4242424242424242"}},
        {"nested": [{"deeper": {"cvv": "987"}}]},
    ],
)
def test_raw_card_data_is_refused_and_never_logged(new_agent, capfd, body):
    account_id, agent = new_agent()
    capfd.readouterr()

    response = agent.put("/v1/billing/card", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "raw_card_data_rejected"
    logs = capfd.readouterr()
    for secret in ("4242424242424242", "987", '"cvc"'):
        assert secret not in logs.out + logs.err
    assert AccountModel.get(account_id).card is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"setup_intent_id": "seti_1", "payment_method_id": "pm_1"},
        {"setup_intent_id": 42},
        {"payment_method_id": "not-a-pm"},
    ],
)
def test_bad_card_requests_are_400(new_agent, body):
    _, agent = new_agent()
    response = agent.put("/v1/billing/card", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_cancelled_account_cannot_change_the_card(new_agent):
    account_id, agent = new_agent()
    AccountModel(account_id).update(actions=[AccountModel.status.set(CANCELLED)])

    assert (
        agent.put("/v1/billing/card", json={"payment_method_id": "pm_x"}).json()["error"]["code"]
        == "account_cancelled"
    )
    assert agent.post("/v1/billing/setup-intents").status_code == 403
    assert agent.get("/v1/billing/card").status_code == 403


def test_stripe_unreachable_is_502_and_nothing_changes(stack, new_agent, stripe_client):
    account_id, agent = new_agent()
    setup_intent = confirmed_setup_intent(agent, stripe_client, GOOD_CARD)
    # The same domain code, handed a gateway whose Stripe is down (a closed port).
    from local.stack import free_port

    unreachable = StripeGateway(
        stripe.StripeClient(
            STRIPE_SECRET_KEY,
            base_addresses={"api": f"http://127.0.0.1:{free_port()}"},
            max_network_retries=1,
        )
    )
    account = AccountModel.get(account_id)

    with pytest.raises(PaymentProviderUnavailable):
        update_card(account, CardUpdateRequest(setup_intent_id=setup_intent), unreachable)

    assert AccountModel.get(account_id).card is None
    customer = stripe_client.v1.customers.retrieve(customer_of(account_id))
    assert customer.invoice_settings is None or not customer.invoice_settings.default_payment_method
