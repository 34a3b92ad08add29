"""Paying one invoice (POST /v1/billing/invoices/{invoice_id}/pay) and the 3-D Secure side of
Submit Payment (PUT /v1/billing/card), against localstripe through the local gateway.

3-D Secure is completed or failed the way localstripe's Stripe.js does it in the browser: its
`_authenticate` endpoint with the publishable key and the PaymentIntent's client_secret."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
import stripe
from pypdf import PdfReader

from local.seed import attach_card, monthly_plan, subscribe
from local.stack import STRIPE_PUBLISHABLE_KEY, STRIPE_SECRET_KEY, free_port
from shared.billing.payments import pay_invoice
from shared.data.tables.accounts import CANCELLED, AccountModel
from shared.errors import PaymentProviderUnavailable
from shared.runtime import cached_settings
from shared.stripe.gateway import StripeGateway
from testing.api_client import Api
from testing.localstripe import customer_of

GOOD_CARD = "4242424242424242"
DECLINES_ON_CHARGE = "4000000000000341"
ALWAYS_AUTHENTICATE = "4000002760003184"
AUTHENTICATE_3155 = "4000002500003155"
BANK_MESSAGE = "Your card was declined."  # localstripe's failure_message for 0341


def agent_with_open_invoice(
    new_agent, client: stripe.StripeClient, card: str, amount: int = 29900
) -> tuple[str, Any, str]:
    """An agent whose subscription's first invoice is open: its payment with `card` failed
    (a decline) or waits for authentication (a 3-D Secure card)."""
    account_id, agent = new_agent(name="Pay Now Agent")
    customer = customer_of(account_id)
    attach_card(client, customer, card)
    subscription = subscribe(client, customer, monthly_plan(client, "Pro", amount))
    assert subscription.status == "incomplete"
    invoice_id = str(subscription.latest_invoice)
    assert client.v1.invoices.retrieve(invoice_id).status == "open"
    return account_id, agent, invoice_id


def pay(agent: Api, invoice_id: str, **kwargs: Any) -> requests.Response:
    return agent.post(f"/v1/billing/invoices/{invoice_id}/pay", **kwargs)


def succeeded_charges(client: stripe.StripeClient, account_id: str) -> list[Any]:
    charges = client.v1.charges.list(params={"customer": customer_of(account_id)})
    return [charge for charge in charges.data if charge.status == "succeeded"]


def authenticate(stack, client_secret: str, *, success: bool) -> None:
    """What localstripe's Stripe.js confirmCardPayment does after its 3-D Secure modal."""
    intent_id = client_secret.split("_secret_")[0]
    response = requests.post(
        f"{stack.stripe_url}/v1/payment_intents/{intent_id}/_authenticate",
        params={"success": "true" if success else "false"},
        json={"key": STRIPE_PUBLISHABLE_KEY, "client_secret": client_secret},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def confirmed_setup_intent(stack, agent, client: stripe.StripeClient, number: str) -> str:
    """Stripe.js confirmCardSetup, 3-D Secure included (the second confirm completes it)."""
    intent = agent.post("/v1/billing/setup-intents").json()
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    confirmed = client.v1.setup_intents.confirm(intent["id"], params={"payment_method": method.id})
    if confirmed.status == "requires_action":
        confirmed = client.v1.setup_intents.confirm(intent["id"])
    assert confirmed.status == "succeeded"
    return str(intent["id"])


# ---------------------------------------------------------------- paid


def test_pay_now_after_the_bank_lifts_the_block_pays_and_reads_paid_at_once(
    new_agent, stripe_client
):
    # Given an invoice whose payment failed, and a card on file that now works
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)

    # When the agent pays it now
    response = pay(agent, invoice_id)

    # Then Stripe took the money once and our API reads it paid without waiting for a webhook
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "paid"
    assert "client_secret" not in body
    assert body["invoice"]["id"] == invoice_id
    assert body["invoice"]["payment_status"] == "paid"
    assert body["invoice"]["amount_paid"] == 29900
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "paid"
    assert agent.get(f"/v1/billing/invoices/{invoice_id}").json()["payment_status"] == "paid"
    assert [charge.amount for charge in succeeded_charges(stripe_client, account_id)] == [29900]


def test_paying_twice_charges_once(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)

    first = pay(agent, invoice_id)
    second = pay(agent, invoice_id, json={})

    assert first.status_code == second.status_code == 200, second.text
    assert first.json()["outcome"] == second.json()["outcome"] == "paid"
    assert second.json()["invoice"]["payment_status"] == "paid"
    assert len(succeeded_charges(stripe_client, account_id)) == 1


def test_an_invoice_paid_elsewhere_answers_paid_and_charges_nothing(new_agent, stripe_client):
    # Paid meanwhile (another tab, Stripe's hosted page): Stripe says "already paid".
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    stripe_client.v1.invoices.pay(invoice_id)

    response = pay(agent, invoice_id)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "paid"
    assert response.json()["invoice"]["payment_status"] == "paid"
    assert len(succeeded_charges(stripe_client, account_id)) == 1


def test_the_same_stripe_request_retried_is_read_as_paid(new_agent, stripe_client):
    # A retry whose first attempt went through (its answer lost): the gateway's pay with the same
    # idempotency key. localstripe does not replay keys; it says "already paid".
    account_id, _, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    gateway = StripeGateway(stripe_client)

    first = gateway.pay_invoice(invoice_id, idempotency_key="pay-now-retry-test")
    again = gateway.pay_invoice(invoice_id, idempotency_key="pay-now-retry-test")

    assert first.status == again.status == "paid"
    assert len(succeeded_charges(stripe_client, account_id)) == 1


def test_a_cancelled_account_still_pays_what_it_owes(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    AccountModel(account_id).update(actions=[AccountModel.status.set(CANCELLED)])

    response = pay(agent, invoice_id)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "paid"
    assert agent.get("/v1/billing/card").json()["error"]["code"] == "account_cancelled"


# ---------------------------------------------------------------- declined


def test_a_decline_is_402_with_the_banks_message_and_the_invoice_stays_failed(
    new_agent, stripe_client
):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )

    response = pay(agent, invoice_id)

    assert response.status_code == 402, response.text
    assert response.json()["error"] == {"code": "card_declined", "message": BANK_MESSAGE}
    stored = agent.get(f"/v1/billing/invoices/{invoice_id}").json()
    assert stored["payment_status"] == "failed"
    assert stored["failure_message"] == BANK_MESSAGE
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "open"
    assert succeeded_charges(stripe_client, account_id) == []


# ---------------------------------------------------------------- 3-D Secure


@pytest.mark.parametrize("card", [ALWAYS_AUTHENTICATE, AUTHENTICATE_3155])
def test_a_payment_that_needs_authentication_answers_requires_action_then_paid(
    stack, new_agent, stripe_client, card
):
    account_id, agent, invoice_id = agent_with_open_invoice(new_agent, stripe_client, card)

    # The bank wants the agent: not a decline, nothing charged, the page gets a client_secret.
    first = pay(agent, invoice_id)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["outcome"] == "requires_action"
    assert body["client_secret"].startswith("pi_")
    assert "_secret_" in body["client_secret"]
    assert body["invoice"]["payment_status"] == "action_required"
    assert succeeded_charges(stripe_client, account_id) == []

    # Asking again before authenticating makes no new attempt: the same authentication.
    again = pay(agent, invoice_id)
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "requires_action"
    assert again.json()["client_secret"] == body["client_secret"]

    # The agent completes 3-D Secure (Stripe.js confirmCardPayment), the page asks again.
    authenticate(stack, body["client_secret"], success=True)
    done = pay(agent, invoice_id)

    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "paid"
    assert "client_secret" not in done.json()
    assert done.json()["invoice"]["payment_status"] == "paid"
    assert [charge.amount for charge in succeeded_charges(stripe_client, account_id)] == [29900]


def test_failed_authentication_is_never_a_decline_and_can_be_tried_again(
    stack, new_agent, stripe_client
):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, ALWAYS_AUTHENTICATE
    )
    first = pay(agent, invoice_id).json()
    authenticate(stack, first["client_secret"], success=False)

    # Paying again is a new attempt that asks the agent to authenticate again.
    retry = pay(agent, invoice_id)

    assert retry.status_code == 200, retry.text
    assert retry.json()["outcome"] == "requires_action"
    assert retry.json()["client_secret"] != first["client_secret"]
    authenticate(stack, retry.json()["client_secret"], success=True)
    assert pay(agent, invoice_id).json()["outcome"] == "paid"
    assert len(succeeded_charges(stripe_client, account_id)) == 1


# ---------------------------------------------------------------- refusals


def test_no_card_on_file_is_409(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    stripe_client.v1.customers.update(
        customer_of(account_id), params={"invoice_settings": {"default_payment_method": ""}}
    )

    response = pay(agent, invoice_id)

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "no_card_on_file"
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "open"


def test_an_agent_who_never_had_a_card_gets_no_card_on_file(new_agent, stripe_client):
    # Stripe has the open invoice but neither Stripe nor our copy knows a card.
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    stripe_client.v1.customers.update(
        customer_of(account_id), params={"invoice_settings": {"default_payment_method": ""}}
    )
    AccountModel(account_id).update(actions=[AccountModel.card.remove()])

    response = pay(agent, invoice_id)

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "no_card_on_file"


def test_a_draft_is_409_invoice_not_finalized(new_agent, stripe_client):
    account_id, agent = new_agent()
    customer = customer_of(account_id)
    attach_card(stripe_client, customer, GOOD_CARD)
    subscription = subscribe(stripe_client, customer, monthly_plan(stripe_client, "Pro", 29900))
    draft = stripe_client.v1.invoices.create(
        params={"customer": customer, "subscription": subscription.id}
    )
    assert draft.status == "draft"

    response = pay(agent, draft.id)

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "invoice_not_finalized"
    assert stripe_client.v1.invoices.retrieve(draft.id).status == "draft"


def test_a_void_invoice_is_409_invoice_not_payable(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    stripe_client.v1.invoices.void_invoice(invoice_id)

    response = pay(agent, invoice_id)

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "invoice_not_payable"
    assert succeeded_charges(stripe_client, account_id) == []


def test_another_accounts_invoice_is_404_and_is_not_paid(new_agent, stripe_client):
    owner_id, _, invoice_id = agent_with_open_invoice(new_agent, stripe_client, DECLINES_ON_CHARGE)
    attach_card(stripe_client, customer_of(owner_id), GOOD_CARD)
    _, stranger = new_agent()

    response = pay(stranger, invoice_id)

    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "open"


@pytest.mark.parametrize("invoice_id", ["in_doesnotexist123", "not-an-invoice", "in_" + "x" * 250])
def test_unknown_or_malformed_ids_are_404(new_agent, invoice_id):
    _, agent = new_agent()
    response = pay(agent, invoice_id)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


def test_an_overlong_id_is_400_before_anything_is_asked_of_stripe(new_agent):
    _, agent = new_agent()
    response = pay(agent, "in_" + "x" * 300)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"json": {"amount": 1}}, "invalid_request"),
        ({"json": []}, "invalid_request"),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, "invalid_request"),
        ({"json": {"card": {"number": GOOD_CARD, "cvc": "123"}}}, "raw_card_data_rejected"),
        ({"headers": {"Idempotency-Key": "bad key with spaces"}}, "invalid_request"),
    ],
)
def test_anything_but_an_empty_body_is_400_and_pays_nothing(new_agent, stripe_client, kwargs, code):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)

    response = pay(agent, invoice_id, **kwargs)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "open"


def test_without_a_token_is_401(stack):
    response = pay(Api(stack.api_url), "in_anything")
    assert response.status_code == 401


def test_stripe_unreachable_is_502_and_nothing_changes(new_agent, stripe_client):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    before = agent.get(f"/v1/billing/invoices/{invoice_id}").json()
    unreachable = StripeGateway(
        stripe.StripeClient(
            STRIPE_SECRET_KEY,
            base_addresses={"api": f"http://127.0.0.1:{free_port()}"},
            max_network_retries=1,
        )
    )

    with pytest.raises(PaymentProviderUnavailable):
        pay_invoice(cached_settings(), AccountModel.get(account_id), invoice_id, unreachable)

    assert agent.get(f"/v1/billing/invoices/{invoice_id}").json() == before
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "open"


# ---------------------------------------------------------------- Submit Payment (PUT card)


def test_submit_payment_lists_an_invoice_needing_authentication_never_as_failed(
    stack, new_agent, stripe_client
):
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    setup_intent = confirmed_setup_intent(stack, agent, stripe_client, ALWAYS_AUTHENTICATE)

    response = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["card"]["last4"] == "3184"
    assert body["invoices_paid"] == []
    assert body["invoices_failed"] == []
    [needing] = body["invoices_requiring_action"]
    assert needing["id"] == invoice_id
    assert needing["client_secret"].startswith("pi_")
    stored = agent.get(f"/v1/billing/invoices/{invoice_id}").json()
    assert stored["payment_status"] == "action_required"

    # The page completes it with confirmCardPayment, then asks the pay route: paid.
    authenticate(stack, needing["client_secret"], success=True)
    done = pay(agent, invoice_id)
    assert done.json()["outcome"] == "paid"
    assert len(succeeded_charges(stripe_client, account_id)) == 1


def test_submit_payment_keeps_the_banks_message_for_a_real_decline(stack, new_agent, stripe_client):
    _, agent, invoice_id = agent_with_open_invoice(new_agent, stripe_client, DECLINES_ON_CHARGE)
    setup_intent = confirmed_setup_intent(stack, agent, stripe_client, DECLINES_ON_CHARGE)

    body = agent.put("/v1/billing/card", json={"setup_intent_id": setup_intent}).json()

    assert body["invoices_failed"] == [{"id": invoice_id, "message": BANK_MESSAGE}]
    assert body["invoices_requiring_action"] == []


# ---------------------------------------------------------------- the PDF after paying


def test_the_pdf_after_pay_now_reads_paid_and_bills_the_agent_by_name(new_agent, stripe_client):
    # localstripe's invoices carry no customer_name and no number: the account's name and the
    # invoice id stand in, never "—".
    account_id, agent, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    assert pay(agent, invoice_id).json()["outcome"] == "paid"

    link = agent.get(f"/v1/billing/invoices/{invoice_id}/download")
    assert link.status_code == 200, link.text
    document = requests.get(link.json()["url"], timeout=30).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)

    assert "PAID" in text
    bill_to = text.split("BILL TO", 1)[1]
    assert bill_to.lstrip().startswith("Pay Now Agent")
    assert f"{account_id}@example.com" in bill_to
    assert f"Invoice number {invoice_id}" in text
    assert link.json()["filename"] == f"invoice-{invoice_id}.pdf"
