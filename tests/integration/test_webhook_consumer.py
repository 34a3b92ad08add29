"""The Stripe events consumer (functions/stripe_events) as Lambda runs it on SQS batches: a
message that fails is reported alone (partial batch failure) and applied when redelivered;
the same event in several messages takes effect once."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

import functions.stripe_events.app as consumer_app
from local.cfn import ROOT
from local.resources import aws_client
from shared.config import Settings
from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.webhook_events import WebhookEventModel
from shared.runtime import cached_settings
from shared.webhooks.dispatch import WebhookContext
from testing.account_factory import saved_customer_account
from testing.fake_stripe import FakeStripe
from testing.lambda_context import LambdaContext
from testing.sqs_events import receive_all, sqs_batch, sqs_record
from testing.stripe_objects import invoice_object, subscription_object
from testing.webhook_events import stripe_event


@pytest.fixture(scope="module")
def render_queue(stack) -> tuple[Any, str]:
    sqs = aws_client("sqs", stack.aws_url)
    url = sqs.create_queue(QueueName=f"webhook-consumer-render-{uuid.uuid4().hex[:8]}")
    return sqs, url["QueueUrl"]


@pytest.fixture(scope="module")
def test_settings(stack, render_queue) -> Settings:
    return dataclasses.replace(cached_settings(), render_queue_url=render_queue[1])


@pytest.fixture
def consumer(stack, monkeypatch, test_settings) -> Callable[..., dict[str, Any]]:
    """Invokes the consumer function (one batch at a time, as its container) with a given
    Stripe; everything else is real: its handler, batch processor, tables and queues."""
    function = stack.gateway.functions["StripeEventsFunction"]

    def invoke(event: dict[str, Any], stripe: FakeStripe | None = None) -> dict[str, Any]:
        fake = stripe or FakeStripe()
        context = WebhookContext(test_settings, lambda: fake)
        # Holding the container's lock: the local SQS poller cannot run it meanwhile.
        with function.lock, monkeypatch.context() as patch:
            patch.setattr(consumer_app, "events_context", lambda: context)
            lambda_context = LambdaContext(function.logical_id, timeout_seconds=function.timeout)
            response: dict[str, Any] = function.handler()(event, lambda_context)
        return response

    return invoke


def declined(stripe: FakeStripe, invoice_id: str) -> FakeStripe:
    stripe.latest_intents[invoice_id] = {
        "id": "pi_1",
        "status": "requires_payment_method",
        "last_payment_error": {"message": "Your card was declined."},
    }
    return stripe


def test_a_failed_event_fails_only_its_own_record_and_is_applied_when_redelivered(consumer):
    # Given a batch of three events, the second of which needs Stripe, which is down
    account_id, customer_id = saved_customer_account()
    finalized = stripe_event("invoice.finalized", invoice_object(customer=customer_id))
    failed_payment = stripe_event(
        "invoice.payment_failed",
        invoice_object(customer=customer_id, status="open", attempt_count=1),
    )
    subscription = stripe_event(
        "customer.subscription.created", subscription_object(customer=customer_id)
    )
    batch = sqs_batch(*(json.dumps(event) for event in (finalized, failed_payment, subscription)))
    failing_message = batch["Records"][1]["messageId"]

    # When the consumer runs it
    response = consumer(batch, FakeStripe(down=True))

    # Then only that record is reported failed; the others are applied
    assert response == {"batchItemFailures": [{"itemIdentifier": failing_message}]}
    outcomes = {
        event["id"]: WebhookEventModel.get(event["id"]).outcome
        for event in (finalized, failed_payment, subscription)
    }
    assert outcomes == {
        finalized["id"]: "processed",
        failed_payment["id"]: "failed",
        subscription["id"]: "processed",
    }
    assert AccountModel.get(account_id).subscription_status == "active"
    invoice_ids = [invoice.invoice_id for invoice in InvoiceModel.query(account_id)]
    assert invoice_ids == [finalized["data"]["object"]["id"]]

    # When SQS delivers the failed message again and Stripe is back
    failed_invoice_id = failed_payment["data"]["object"]["id"]
    redelivery = sqs_record(json.dumps(failed_payment), message_id=failing_message, receive_count=2)
    response = consumer({"Records": [redelivery]}, declined(FakeStripe(), failed_invoice_id))

    # Then it is applied
    assert response == {"batchItemFailures": []}
    assert WebhookEventModel.get(failed_payment["id"]).outcome == "processed"
    (stored,) = InvoiceModel.by_invoice_id.query(failed_invoice_id)
    assert (stored.payment_status, stored.failure_message) == ("failed", "Your card was declined.")


def test_the_same_event_in_several_messages_takes_effect_once(consumer, render_queue):
    sqs, render_url = render_queue
    receive_all(sqs, render_url)
    account_id, customer_id = saved_customer_account()
    event = stripe_event("invoice.finalized", invoice_object(customer=customer_id, status="open"))
    body = json.dumps(event)

    # Given Stripe sent it twice (two messages in one batch), and once more later
    first = consumer(sqs_batch(body, body))
    later = consumer(sqs_batch(body))

    # Then it was applied once, the others counted as duplicates, and its PDF queued once
    assert first == later == {"batchItemFailures": []}
    record = WebhookEventModel.get(event["id"])
    assert (record.outcome, record.duplicates) == ("processed", 2)
    (invoice,) = InvoiceModel.query(account_id)
    assert invoice.last_event_id == event["id"]
    assert [json.loads(message["Body"]) for message in receive_all(sqs, render_url)] == [
        {"account_id": account_id, "invoice_id": event["data"]["object"]["id"]}
    ]


def test_a_message_that_is_not_a_stripe_event_fails_alone(consumer):
    _, customer_id = saved_customer_account()
    good = stripe_event("invoice.finalized", invoice_object(customer=customer_id))
    batch = sqs_batch(json.dumps(good))
    poisoned = sqs_record(json.dumps(good))
    poisoned["body"] = '{"id": "evt_cut_short", "type": '
    batch["Records"].append(poisoned)

    response = consumer(batch)

    assert response == {"batchItemFailures": [{"itemIdentifier": poisoned["messageId"]}]}
    assert WebhookEventModel.get(good["id"]).outcome == "processed"


def test_the_sample_batch_is_consumed_without_failures(stack):
    batch = json.loads((ROOT / "events" / "stripe_events" / "batch.json").read_text())

    response = stack.gateway.functions["StripeEventsFunction"].invoke(batch)

    assert response == {"batchItemFailures": []}
    for record in batch["Records"]:
        event = json.loads(record["body"])
        stored = WebhookEventModel.get(event["id"])
        assert stored.type == event["type"]
        assert stored.outcome in ("ignored", "processed")  # its customer is not one of ours


def test_an_event_queued_by_reference_is_read_back_from_stripe_and_applied(consumer):
    account_id, customer_id = saved_customer_account()
    event = stripe_event("customer.subscription.created", subscription_object(customer=customer_id))
    reference = {"id": event["id"], "type": event["type"], "by_reference": True}

    response = consumer(sqs_batch(json.dumps(reference)), FakeStripe(events={event["id"]: event}))

    assert response == {"batchItemFailures": []}
    assert WebhookEventModel.get(event["id"]).outcome == "processed"
    assert AccountModel.get(account_id).subscription_status == "active"


def test_a_payment_stripe_no_longer_has_leaves_the_message_unknown_not_dead_lettered(consumer):
    # Given a failed payment whose PaymentIntent Stripe answers 404 for
    account_id, customer_id = saved_customer_account()
    failed = stripe_event(
        "invoice.payment_failed",
        invoice_object(
            customer=customer_id, status="open", attempt_count=1, payment_intent="pi_gone"
        ),
    )

    # When the consumer applies it
    response = consumer(sqs_batch(json.dumps(failed)), FakeStripe())

    # Then what the event carries is applied, the bank's message left unknown
    assert response == {"batchItemFailures": []}
    (stored,) = InvoiceModel.by_invoice_id.query(failed["data"]["object"]["id"])
    assert (stored.account_id, stored.payment_status) == (account_id, "failed")
    assert stored.failure_message is None


def test_a_stripe_outage_during_enrichment_still_retries(consumer):
    _, customer_id = saved_customer_account()
    failed = stripe_event(
        "invoice.payment_failed",
        invoice_object(
            customer=customer_id, status="open", attempt_count=1, payment_intent="pi_later"
        ),
    )
    batch = sqs_batch(json.dumps(failed))

    response = consumer(batch, FakeStripe(down=True))

    assert response == {"batchItemFailures": [{"itemIdentifier": batch["Records"][0]["messageId"]}]}
    assert WebhookEventModel.get(failed["id"]).outcome == "failed"
