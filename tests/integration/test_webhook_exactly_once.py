"""Exactly once, across queue messages: Stripe delivering one event 50 times puts 50 verified
messages on the Stripe events queue; 50 consumer containers taking them at the same moment
apply it once. A message that failed is applied when SQS delivers it again."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pytest

from local.resources import aws_client
from shared.config import Settings
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.webhook_events import WebhookEventModel
from shared.errors import PaymentProviderUnavailable
from shared.runtime import cached_settings
from shared.webhooks.dispatch import WebhookContext, process_event_message
from shared.webhooks.intake import accept_webhook
from testing.account_factory import saved_customer_account
from testing.fake_stripe import FakeStripe
from testing.sqs_events import receive_all
from testing.stripe_objects import invoice_object
from testing.webhook_events import signed_api_event, stripe_event

CONCURRENT_DELIVERIES = 50


@dataclass(frozen=True)
class Queues:
    sqs: Any
    events: str
    render: str


@pytest.fixture(scope="module")
def queues(stack) -> Queues:
    sqs = aws_client("sqs", stack.aws_url)
    suffix = uuid.uuid4().hex[:8]
    return Queues(
        sqs,
        events=sqs.create_queue(QueueName=f"webhook-once-events-{suffix}")["QueueUrl"],
        render=sqs.create_queue(QueueName=f"webhook-once-render-{suffix}")["QueueUrl"],
    )


@pytest.fixture(scope="module")
def test_settings(stack, queues) -> Settings:
    return replace(
        cached_settings(), render_queue_url=queues.render, stripe_events_queue_url=queues.events
    )


def test_fifty_concurrent_deliveries_take_effect_once(test_settings, queues):
    receive_all(queues.sqs, queues.render)
    account_id, customer_id = saved_customer_account()
    body = stripe_event(
        "invoice.payment_failed",
        invoice_object(customer=customer_id, status="open", attempt_count=1),
    )
    stripe = FakeStripe()
    stripe.latest_intents[body["data"]["object"]["id"]] = {
        "id": "pi_1",
        "status": "requires_payment_method",
        "last_payment_error": {"message": "Your card was declined."},
    }

    # Given Stripe delivered the event 50 times: 50 messages on the queue
    for _ in range(CONCURRENT_DELIVERIES):
        accept_webhook(signed_api_event(body), test_settings)
    messages = receive_all(queues.sqs, queues.events)
    assert len({message["MessageId"] for message in messages}) == CONCURRENT_DELIVERIES
    assert {json.loads(message["Body"])["id"] for message in messages} == {body["id"]}

    # When 50 consumer containers (each its own context) take one message each, all at once
    def consume(message: dict[str, Any]) -> str:
        context = WebhookContext(test_settings, lambda: stripe)
        return process_event_message(message["Body"], context).outcome

    with ThreadPoolExecutor(max_workers=CONCURRENT_DELIVERIES) as pool:
        outcomes = list(pool.map(consume, messages))

    # Then one applied it and 49 found it already claimed
    assert outcomes.count("processed") == 1
    assert outcomes.count("duplicate") == CONCURRENT_DELIVERIES - 1
    record = WebhookEventModel.get(body["id"])
    assert (record.outcome, record.duplicates) == ("processed", CONCURRENT_DELIVERIES - 1)
    assert record.type == "invoice.payment_failed"
    (invoice,) = InvoiceModel.query(account_id)
    assert (invoice.payment_status, invoice.failure_message) == (
        "failed",
        "Your card was declined.",
    )
    assert invoice.last_event_id == body["id"]
    assert [json.loads(message["Body"]) for message in receive_all(queues.sqs, queues.render)] == [
        {"account_id": account_id, "invoice_id": body["data"]["object"]["id"]}
    ]
    assert stripe.calls.count(f"invoice_payments:{body['data']['object']['id']}") == 1


def test_a_failed_message_is_recorded_and_applied_when_sqs_redelivers_it(test_settings):
    account_id, customer_id = saved_customer_account()
    body = json.dumps(
        stripe_event(
            "invoice.payment_failed",
            invoice_object(customer=customer_id, status="open", attempt_count=1),
        )
    )
    event_id = json.loads(body)["id"]

    with pytest.raises(PaymentProviderUnavailable):
        process_event_message(body, WebhookContext(test_settings, lambda: FakeStripe(down=True)))

    failed = WebhookEventModel.get(event_id)
    assert (failed.outcome, failed.detail) == ("failed", "PaymentProviderUnavailable")
    assert list(InvoiceModel.query(account_id)) == []

    outcome = process_event_message(body, WebhookContext(test_settings, FakeStripe))

    assert outcome.outcome == "processed"
    assert WebhookEventModel.get(event_id).outcome == "processed"
    assert [invoice.payment_status for invoice in InvoiceModel.query(account_id)] == ["failed"]
