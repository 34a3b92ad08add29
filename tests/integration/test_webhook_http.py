"""POST /v1/webhooks/stripe through the local API gateway (and the handler in-process for
what the gateway does not produce, such as a base64 body)."""

from __future__ import annotations

import json
import time

import pytest

from functions.stripe_webhook.app import lambda_handler
from local.gateway import FakeContext
from shared.models import InvoiceModel, WebhookEventModel
from shared.runtime import bootstrap
from shared.webhooks import WebhookContext, receive_webhook
from tests.conftest import Api
from tests.stripe_events import EVENTS_DIR as SAMPLES_DIR
from tests.stripe_events import (
    ROTATED_SECRET,
    FakeStripe,
    card_payment_method,
    customer_object,
    invoice_object,
    load_sample,
    payload_of,
    resign,
    signature_header,
    signed_api_event,
    stripe_event,
    with_object,
)


def post(stack, payload: str, signature: str | None):
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return Api(stack.api_url).post("/v1/webhooks/stripe", data=payload.encode(), headers=headers)


def record_of(event_id: str) -> WebhookEventModel | None:
    try:
        return WebhookEventModel.get(event_id)
    except WebhookEventModel.DoesNotExist:
        return None


def customer_of(agent: Api) -> str:
    return str(agent.get("/v1/account").json()["stripe_customer_id"])


def test_a_signed_event_is_applied_and_answered_received(stack, new_agent):
    account_id, agent = new_agent()
    event = stripe_event(
        "invoice.finalized", invoice_object(customer=customer_of(agent), status="open")
    )
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200
    assert response.json() == {"received": True}
    (invoice,) = InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])
    assert (invoice.account_id, invoice.status, invoice.payment_status) == (
        account_id,
        "open",
        "pending",
    )
    record = WebhookEventModel.get(event["id"])
    assert (record.type, record.outcome, record.stripe_created) == (
        "invoice.finalized",
        "processed",
        event["created"],
    )
    assert record.expires_at is not None


def test_the_rotated_secret_is_accepted(stack, new_agent):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload, ROTATED_SECRET))

    assert response.status_code == 200
    assert record_of(event["id"]) is not None


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "t=1,v1=deadbeef",
        "signature-of-another-secret",
        "too-old",
    ],
)
def test_a_bad_signature_is_400_and_writes_nothing(stack, new_agent, signature):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)
    if signature == "signature-of-another-secret":
        signature = signature_header(payload, "whsec_not_ours")
    elif signature == "too-old":
        signature = signature_header(payload, timestamp=int(time.time()) - 301)

    response = post(stack, payload, signature)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert record_of(event["id"]) is None
    assert list(InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])) == []


def test_malformed_json_with_a_valid_signature_is_400_invalid_request(stack):
    payload = '{"id": "evt_broken", "type": "invoice.paid", '

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert record_of("evt_broken") is None


def test_a_redelivery_is_a_duplicate_answered_200(stack, new_agent):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)

    responses = [post(stack, payload, signature_header(payload)) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    record = WebhookEventModel.get(event["id"])
    assert (record.outcome, record.duplicates) == ("processed", 2)


def test_an_unknown_event_type_is_acknowledged_and_recorded(stack):
    event = stripe_event("payout.paid", {"id": "po_1", "object": "payout", "amount": 100})
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200
    record = WebhookEventModel.get(event["id"])
    assert (record.type, record.outcome, record.detail) == (
        "payout.paid",
        "ignored",
        "unhandled event type",
    )


def test_a_base64_encoded_body_is_verified_and_applied(stack, new_agent):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    api_event = signed_api_event(event, base64_body=True)

    response = lambda_handler(api_event, FakeContext(_function()))

    assert response["statusCode"] == 200
    assert WebhookEventModel.get(event["id"]).outcome == "processed"


def test_a_body_with_card_fields_is_not_mistaken_for_raw_card_data(stack, new_agent):
    """Stripe payloads carry `number` (invoices) and `exp_month` (payment methods)."""
    _, agent = new_agent()
    event = stripe_event(
        "invoice.finalized",
        invoice_object(customer=customer_of(agent), number="ABC-0001", exp_month=12),
    )
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200


@pytest.mark.parametrize("sample", sorted(path.stem for path in SAMPLES_DIR.glob("*.json")))
def test_every_sample_event_is_accepted(stack, new_agent, sample):
    # Given a sample from events/, made about one of our customers and freshly signed, and a
    # Stripe that knows the objects the samples name (localstripe does not have them)
    account_id, agent = new_agent()
    customer_id = customer_of(agent)
    original = load_sample(sample)
    assert original["version"] == "2.0"
    assert original["headers"]["stripe-signature"].startswith("t=")
    field = "id" if sample == "customer.updated" else "customer"
    api_event = with_object(original, **{field: customer_id})
    event = json.loads(payload_of(api_event))
    stripe = FakeStripe()
    finalized = json.loads(payload_of(load_sample("invoice.finalized")))["data"]["object"]
    stripe.invoices[finalized["id"]] = {**finalized, "customer": customer_id}
    stripe.latest_intents = {
        invoice_id: {
            "id": "pi_1",
            "status": "requires_payment_method",
            "last_payment_error": {"message": "Your card was declined."},
        }
        for invoice_id in ("in_sample0000001", "in_sample0000003")
    }
    stripe.customers[customer_id] = customer_object(
        customer_id=customer_id, default_payment_method="pm_sample0000001"
    )
    stripe.payment_methods["pm_sample0000001"] = card_payment_method(
        payment_method_id="pm_sample0000001", customer=customer_id
    )

    # When it is received
    outcome = receive_webhook(resign(api_event), WebhookContext(bootstrap(), lambda: stripe))

    # Then it is applied (or, for the detach of a card we never had, ignored) and recorded
    record = WebhookEventModel.get(event["id"])
    assert record.type == sample
    assert (record.outcome, record.detail) == (outcome.outcome, outcome.detail)
    assert outcome.outcome == "processed", outcome
    if sample.startswith("invoice.") and sample != "invoice.deleted":
        invoice_id = event["data"]["object"]["id"]
        assert [invoice.invoice_id for invoice in InvoiceModel.query(account_id)] == [invoice_id]


def _function():
    from local.gateway import LambdaFunction

    return LambdaFunction("StripeWebhookFunction", "functions.stripe_webhook.app", "x", 15)
