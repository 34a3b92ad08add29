"""Exactly once: 50 concurrent deliveries of one event (as 50 Lambda containers would run
them) take effect once; a failed delivery is taken again when Stripe retries it."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from local.resources import aws_client
from shared.config import Settings
from shared.errors import PaymentProviderUnavailable
from shared.models import ACTIVE, AccountModel, InvoiceModel, WebhookEventModel
from shared.runtime import bootstrap
from shared.webhooks import WebhookContext, parse_event, process_event
from tests.stripe_events import FakeStripe, invoice_object, stripe_event

CONCURRENT_DELIVERIES = 50


@pytest.fixture(scope="module")
def queue(stack) -> tuple[Any, str]:
    sqs = aws_client("sqs", stack.aws_url)
    url = sqs.create_queue(QueueName=f"webhook-once-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return sqs, url


@pytest.fixture(scope="module")
def test_settings(stack, queue) -> Settings:
    return bootstrap().model_copy(update={"render_queue_url": queue[1]})


def new_customer() -> tuple[str, str]:
    account_id, customer_id = f"agent-{uuid.uuid4().hex[:10]}", f"cus_{uuid.uuid4().hex[:14]}"
    now = datetime.now(UTC)
    AccountModel(
        account_id,
        email="once@example.com",
        name="Once",
        status=ACTIVE,
        stripe_customer_id=customer_id,
        created_at=now,
        updated_at=now,
    ).save()
    return account_id, customer_id


def all_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_fifty_concurrent_deliveries_take_effect_once(test_settings, queue):
    sqs, url = queue
    all_messages(sqs, url)
    account_id, customer_id = new_customer()
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

    def deliver(_: int) -> str:
        # each delivery parses the raw body and gets its own context, like its own container
        context = WebhookContext(test_settings, lambda: stripe)
        return process_event(parse_event(json.dumps(body)), context).outcome

    with ThreadPoolExecutor(max_workers=CONCURRENT_DELIVERIES) as pool:
        outcomes = list(pool.map(deliver, range(CONCURRENT_DELIVERIES)))

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
    assert all_messages(sqs, url) == [
        {"account_id": account_id, "invoice_id": body["data"]["object"]["id"]}
    ]
    assert stripe.calls.count(f"invoice_payments:{body['data']['object']['id']}") == 1


class UnreachableStripe(FakeStripe):
    def latest_invoice_payment_intent(self, invoice_id: str) -> dict[str, Any] | None:
        raise PaymentProviderUnavailable("Stripe is down.")


def test_a_failed_delivery_is_recorded_and_applied_when_stripe_retries(test_settings):
    account_id, customer_id = new_customer()
    body = stripe_event(
        "invoice.payment_failed",
        invoice_object(customer=customer_id, status="open", attempt_count=1),
    )
    event = parse_event(json.dumps(body))

    with pytest.raises(PaymentProviderUnavailable):
        process_event(event, WebhookContext(test_settings, UnreachableStripe))

    failed = WebhookEventModel.get(body["id"])
    assert (failed.outcome, failed.detail) == ("failed", "PaymentProviderUnavailable")
    assert list(InvoiceModel.query(account_id)) == []

    outcome = process_event(event, WebhookContext(test_settings, FakeStripe))

    assert outcome.outcome == "processed"
    assert WebhookEventModel.get(body["id"]).outcome == "processed"
    assert [invoice.payment_status for invoice in InvoiceModel.query(account_id)] == ["failed"]
