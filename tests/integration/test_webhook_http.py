"""POST /v1/webhooks/stripe through the local API gateway: the request path verifies and queues,
the Stripe events consumer (run by the local SQS poller, or invoked here with what was queued)
applies. The handler is called in-process for what the gateway does not produce (base64)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.resources import aws_client
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.webhook_events import WebhookEventModel
from shared.runtime import cached_settings, reset
from shared.webhooks.dispatch import WebhookContext, process_event_message
from shared.webhooks.intake import accept_webhook
from testing.api_client import Api
from testing.fake_stripe import FakeStripe
from testing.sqs_events import receive_all, sqs_event_of
from testing.stripe_objects import card_payment_method, customer_object, invoice_object
from testing.waiting import eventually, finished_record
from testing.webhook_events import (
    ROTATED_SECRET,
    payload_of,
    resign,
    signature_header,
    signed_api_event,
    stripe_event,
    with_object,
)
from testing.webhook_samples import EVENTS_DIR as SAMPLES_DIR
from testing.webhook_samples import load_sample


class PrivateQueue:
    """The webhook's queue during one test. localstripe keeps sending its own webhooks (the
    agent's customer.created...): those are set aside and handed to the real queue after."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs, self.url = sqs, url
        self.others: list[dict[str, Any]] = []

    def messages_about(self, event_id: str) -> list[dict[str, Any]]:
        about: list[dict[str, Any]] = []
        for message in receive_all(self.sqs, self.url):
            is_about = message["MessageAttributes"]["event_id"]["StringValue"] == event_id
            (about if is_about else self.others).append(message)
        return about

    def hand_over_to(self, real_queue_url: str) -> None:
        self.messages_about("")
        for message in self.others:
            self.sqs.send_message(
                QueueUrl=real_queue_url,
                MessageBody=message["Body"],
                MessageAttributes=message["MessageAttributes"],
            )


@pytest.fixture
def events_queue(stack, monkeypatch) -> Iterator[PrivateQueue]:
    """Points the webhook at a queue of its own that no consumer polls, so a test sees exactly
    what one request queued (configuration, as the template sets STRIPE_EVENTS_QUEUE_URL)."""
    sqs = aws_client("sqs", stack.aws_url)
    url = sqs.create_queue(QueueName=f"webhook-http-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    monkeypatch.setenv("STRIPE_EVENTS_QUEUE_URL", url)
    reset()
    queue = PrivateQueue(sqs, url)
    yield queue
    monkeypatch.undo()
    reset()
    queue.hand_over_to(cached_settings().stripe_events_queue_url)
    sqs.delete_queue(QueueUrl=url)


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


def consume(stack, event: dict[str, Any]) -> dict[str, Any]:
    """Runs the Stripe events consumer as its Lambda container would (one batch at a time)."""
    response: dict[str, Any] = stack.gateway.functions["StripeEventsFunction"].invoke(event)
    return response


def test_a_signed_event_is_queued_answered_and_applied_by_the_consumer(
    stack, new_agent, events_queue
):
    # Given a signed invoice.finalized about one of our agents
    account_id, agent = new_agent()
    event = stripe_event(
        "invoice.finalized", invoice_object(customer=customer_of(agent), status="open")
    )
    payload = json.dumps(event)

    # When Stripe posts it
    response = post(stack, payload, signature_header(payload))

    # Then it is answered at once, nothing is written, and exactly one message is queued
    assert response.status_code == 200
    assert response.json() == {"received": True}
    assert record_of(event["id"]) is None
    assert list(InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])) == []
    messages = events_queue.messages_about(event["id"])
    assert [message["Body"] for message in messages] == [payload]
    attributes = messages[0]["MessageAttributes"]
    assert attributes["event_id"]["StringValue"] == event["id"]
    assert attributes["event_type"]["StringValue"] == "invoice.finalized"

    # When the consumer gets that message
    assert consume(stack, sqs_event_of(messages)) == {"batchItemFailures": []}

    # Then the invoice is in the read model and the event recorded as processed
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


def test_a_signed_event_reaches_the_read_model_through_the_queue(stack, new_agent):
    account_id, agent = new_agent()
    event = stripe_event(
        "invoice.finalized", invoice_object(customer=customer_of(agent), status="open")
    )
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200
    record = eventually(lambda: finished_record(event["id"]))
    assert record.outcome == "processed"
    (invoice,) = InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])
    assert invoice.account_id == account_id


def test_the_rotated_secret_is_accepted(stack, new_agent, events_queue):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload, ROTATED_SECRET))

    assert response.status_code == 200
    assert [message["Body"] for message in events_queue.messages_about(event["id"])] == [payload]


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "t=1,v1=deadbeef",
        "signature-of-another-secret",
        "too-old",
    ],
)
def test_a_bad_signature_is_400_and_queues_and_writes_nothing(
    stack, new_agent, events_queue, signature
):
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
    assert events_queue.messages_about(event["id"]) == []
    assert record_of(event["id"]) is None
    assert list(InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])) == []


def test_malformed_json_with_a_valid_signature_is_400_invalid_request(stack, events_queue):
    payload = '{"id": "evt_broken", "type": "invoice.paid", '

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert events_queue.messages_about("evt_broken") == []
    assert record_of("evt_broken") is None


def test_a_queue_that_does_not_take_the_event_is_503_so_stripe_retries(
    stack, new_agent, monkeypatch
):
    # Given a webhook whose queue is gone
    _, agent = new_agent()
    sqs = aws_client("sqs", stack.aws_url)
    url = sqs.create_queue(QueueName=f"webhook-gone-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    monkeypatch.setenv("STRIPE_EVENTS_QUEUE_URL", url)
    reset()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)

    try:
        response = post(stack, payload, signature_header(payload))
    finally:
        monkeypatch.undo()
        reset()

    # Then Stripe is told to retry, and nothing is written
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "Traceback" not in response.text
    assert record_of(event["id"]) is None


def test_redeliveries_are_queued_and_recorded_as_duplicates(stack, new_agent):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    payload = json.dumps(event)

    responses = [post(stack, payload, signature_header(payload)) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    record = eventually(
        lambda: found if (found := finished_record(event["id"])) and found.duplicates == 2 else None
    )
    assert record.outcome == "processed"


def test_an_unknown_event_type_is_acknowledged_and_recorded(stack):
    event = stripe_event("payout.paid", {"id": "po_1", "object": "payout", "amount": 100})
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200
    record = eventually(lambda: finished_record(event["id"]))
    assert (record.type, record.outcome, record.detail) == (
        "payout.paid",
        "ignored",
        "unhandled event type",
    )


def test_a_base64_encoded_body_is_verified_and_queued_decoded(stack, new_agent, events_queue):
    _, agent = new_agent()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_of(agent)))
    api_event = signed_api_event(event, base64_body=True)

    response = stack.gateway.functions["StripeWebhookFunction"].invoke(api_event)

    assert response["statusCode"] == 200
    messages = events_queue.messages_about(event["id"])
    assert [message["Body"] for message in messages] == [payload_of(api_event)]


def test_a_body_with_card_fields_is_not_mistaken_for_raw_card_data(stack, new_agent, events_queue):
    """Stripe payloads carry `number` (invoices) and `exp_month` (payment methods)."""
    _, agent = new_agent()
    event = stripe_event(
        "invoice.finalized",
        invoice_object(customer=customer_of(agent), number="ABC-0001", exp_month=12),
    )
    payload = json.dumps(event)

    response = post(stack, payload, signature_header(payload))

    assert response.status_code == 200
    assert len(events_queue.messages_about(event["id"])) == 1


@pytest.mark.parametrize("sample", sorted(path.stem for path in SAMPLES_DIR.glob("*.json")))
def test_every_sample_event_is_queued_and_applied(stack, new_agent, events_queue, sample):
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

    # When it is received, and the queued message consumed
    accept_webhook(resign(api_event), cached_settings())
    (message,) = events_queue.messages_about(event["id"])
    outcome = process_event_message(
        message["Body"], WebhookContext(cached_settings(), lambda: stripe)
    )

    # Then it is applied (or, for the detach of a card we never had, ignored) and recorded
    record = WebhookEventModel.get(event["id"])
    assert record.type == sample
    assert (record.outcome, record.detail) == (outcome.outcome, outcome.detail)
    assert outcome.outcome == "processed", outcome
    if sample.startswith("invoice.") and sample != "invoice.deleted":
        invoice_id = event["data"]["object"]["id"]
        assert [invoice.invoice_id for invoice in InvoiceModel.query(account_id)] == [invoice_id]
