"""Order-proof invoice sync against the local DynamoDB (moto server of the local stack).

The property: whatever order (and however many times) Stripe delivers the events of a
realistic invoice lifecycle, the read model ends equal to the one from in-order delivery.
Stripe itself is a fake here (its current state), our code is not."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.resources import aws_client
from shared.billing.invoices.sync import SyncResult, apply_invoice
from shared.config import Settings
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.webhook_events import WebhookEventModel
from shared.runtime import cached_settings
from shared.webhooks.dispatch import WebhookContext, process_event_message
from shared.webhooks.ledger import EventOutcome, Outcome
from testing.account_factory import saved_customer_account
from testing.fake_stripe import FakeStripe, with_failed_payments
from testing.stripe_objects import SAMPLE_TIME, invoice_object
from testing.webhook_events import stripe_event

MESSAGES = [
    "Your card was declined.",
    "Your card has insufficient funds.",
    "Your card has expired.",
]
CREATED = ("invoice.created", "draft", 0)
FINALIZED = ("invoice.finalized", "open", 0)
LIFECYCLES: dict[str, list[tuple[str, str, int]]] = {
    "failed twice, then paid": [
        CREATED,
        FINALIZED,
        ("invoice.payment_failed", "open", 1),
        ("invoice.payment_failed", "open", 2),
        ("invoice.paid", "paid", 3),
        ("invoice.payment_succeeded", "paid", 3),
    ],
    "voided": [CREATED, FINALIZED, ("invoice.voided", "void", 0)],
    "failed, uncollectible, then paid": [
        CREATED,
        FINALIZED,
        ("invoice.payment_failed", "open", 1),
        ("invoice.updated", "open", 1),
        ("invoice.marked_uncollectible", "uncollectible", 1),
        ("invoice.paid", "paid", 2),
    ],
    "action required, then paid": [
        CREATED,
        FINALIZED,
        ("invoice.payment_action_required", "open", 1),
        ("invoice.payment_succeeded", "paid", 1),
        ("invoice.paid", "paid", 1),
    ],
    "failed, then voided": [
        CREATED,
        FINALIZED,
        ("invoice.payment_failed", "open", 1),
        ("invoice.payment_failed", "open", 2),
        ("invoice.voided", "void", 2),
    ],
    "still failing": [
        CREATED,
        FINALIZED,
        ("invoice.payment_failed", "open", 1),
        ("invoice.payment_failed", "open", 2),
        ("invoice.payment_failed", "open", 3),
        ("invoice.updated", "open", 3),
    ],
}


@pytest.fixture(scope="module")
def render_queue(stack) -> str:
    sqs = aws_client("sqs", stack.aws_url)
    url: str = sqs.create_queue(QueueName=f"webhook-test-render-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url


@pytest.fixture(scope="module")
def test_settings(stack, render_queue) -> Settings:
    return dataclasses.replace(cached_settings(), render_queue_url=render_queue)


@pytest.fixture
def account() -> tuple[str, str]:
    return saved_customer_account()


def drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = aws_client("sqs", cached_settings().aws_endpoint_url or "")
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def lifecycle_events(
    name: str, customer_id: str, stripe: FakeStripe
) -> tuple[str, list[dict[str, Any]]]:
    """The events Stripe would send for one invoice, oldest first; Stripe's current state of
    the invoice is the last snapshot."""
    invoice_id = f"in_{uuid.uuid4().hex[:14]}"
    events = []
    at = SAMPLE_TIME + 10
    previous_type = None
    for event_type, status, attempts in LIFECYCLES[name]:
        # invoice.paid and invoice.payment_succeeded are stamped with the same second
        same_moment = {previous_type, event_type} == {"invoice.paid", "invoice.payment_succeeded"}
        at = at if same_moment else at + 60
        snapshot = invoice_object(
            invoice_id=invoice_id,
            customer=customer_id,
            status=status,
            attempt_count=attempts,
            created=SAMPLE_TIME,
        )
        if status in ("open", "uncollectible") and attempts:
            with_failed_payments(snapshot, stripe, MESSAGES[:attempts])
        events.append(
            stripe_event(event_type, snapshot, created=at, event_id=f"evt_{uuid.uuid4().hex}")
        )
        stripe.invoices[invoice_id] = snapshot
        previous_type = event_type
    return invoice_id, events


def deliver(events: list[dict[str, Any]], context: WebhookContext) -> list[Outcome]:
    """Each event as the Stripe events consumer gets it: the body the webhook queued."""
    return [process_event_message(json.dumps(event), context) for event in events]


def stored(invoice_id: str) -> InvoiceModel:
    (invoice,) = InvoiceModel.by_invoice_id.query(invoice_id)
    return invoice


def read_model(invoice: InvoiceModel) -> dict[str, Any]:
    return {
        "status": invoice.status,
        "payment_status": invoice.payment_status,
        "amounts": (invoice.amount_due, invoice.amount_paid, invoice.amount_remaining),
        "attempt_count": invoice.attempt_count,
        "failure_message": invoice.failure_message,
        "requires_action": invoice.requires_action,
        "paid_at": invoice.paid_at,
        "number": invoice.number,
        "next_payment_attempt": invoice.next_payment_attempt,
        "lines": [(line.description, line.quantity, line.amount) for line in invoice.lines],
        "version": invoice.last_event_created,
    }


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_delivery_order_ends_in_the_in_order_read_model(stack, test_settings, data):
    name = data.draw(st.sampled_from(sorted(LIFECYCLES)), label="lifecycle")
    _, customer_id = saved_customer_account()
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)

    # Given the read model after in-order delivery
    in_order_id, in_order = lifecycle_events(name, customer_id, stripe)
    deliver(in_order, context)
    expected = read_model(stored(in_order_id))
    assert expected["status"] == LIFECYCLES[name][-1][1]

    # When the same lifecycle (another invoice) arrives shuffled, with some replays
    shuffled_id, events = lifecycle_events(name, customer_id, stripe)
    replays = data.draw(st.lists(st.sampled_from(events), max_size=3), label="replays")
    shuffled = data.draw(st.permutations(events + replays), label="order")
    deliver(shuffled, context)

    # Then it ends in the same read model
    assert read_model(stored(shuffled_id)) == expected


def test_paid_stays_paid_when_an_older_failure_arrives_late(test_settings, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    invoice_id, events = lifecycle_events("failed twice, then paid", customer_id, stripe)
    paid, late_failure = events[4], events[2]

    outcomes = deliver([paid, late_failure], context)

    invoice = stored(invoice_id)
    assert (invoice.status, invoice.payment_status) == ("paid", "paid")
    assert invoice.failure_message is None
    assert [outcome.outcome for outcome in outcomes] == ["processed", "ignored"]
    assert WebhookEventModel.get(late_failure["id"]).outcome == "ignored"


def test_void_stays_void(test_settings, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    invoice_id, events = lifecycle_events("voided", customer_id, stripe)

    deliver([events[2], events[1]], context)

    assert stored(invoice_id).status == "void"
    assert stored(invoice_id).payment_status == "void"


def test_a_newer_failure_message_is_not_overwritten_by_an_older_one(test_settings, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    invoice_id, events = lifecycle_events("failed twice, then paid", customer_id, stripe)
    first_failure, second_failure = events[2], events[3]

    deliver([second_failure, first_failure], context)

    invoice = stored(invoice_id)
    assert invoice.payment_status == "failed"
    assert invoice.attempt_count == 2
    assert invoice.failure_message == MESSAGES[1]


def test_a_draft_snapshot_is_replaced_by_stripes_current_invoice(test_settings, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    invoice_id, events = lifecycle_events("still failing", customer_id, stripe)

    deliver([events[0]], context)  # invoice.created, a draft snapshot

    invoice = stored(invoice_id)
    assert (invoice.status, invoice.payment_status, invoice.attempt_count) == ("open", "failed", 3)
    assert invoice.failure_message == MESSAGES[2]
    assert f"invoice:{invoice_id}" in stripe.calls


def test_the_pdf_is_queued_when_its_status_changes(test_settings, render_queue, account):
    account_id, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    invoice_id, events = lifecycle_events("failed twice, then paid", customer_id, stripe)
    finalized, first_failure, paid = events[1], events[2], events[4]
    drain(render_queue)
    message = {"account_id": account_id, "invoice_id": invoice_id}

    # finalized: queued
    deliver([finalized], context)
    assert drain(render_queue) == [message]
    # the renderer did its work for "pending"; the same event again changes nothing
    invoice = stored(invoice_id)
    invoice.update(actions=[InvoiceModel.pdf_rendered_for.set("pending")])
    deliver([finalized], context)
    assert drain(render_queue) == []
    # a failed payment changes what the PDF shows: queued; then paid: queued
    deliver([first_failure], context)
    assert drain(render_queue) == [message]
    stored(invoice_id).update(actions=[InvoiceModel.pdf_rendered_for.set("failed")])
    deliver([paid], context)
    assert drain(render_queue) == [message]


def test_a_draft_is_not_queued_for_rendering(test_settings, render_queue, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    draft = invoice_object(customer=customer_id, status="draft")
    stripe.invoices[draft["id"]] = draft
    drain(render_queue)

    deliver([stripe_event("invoice.created", draft)], context)

    assert stored(draft["id"]).status == "draft"
    assert drain(render_queue) == []


def test_an_invoice_of_an_unknown_customer_is_acknowledged_and_recorded(test_settings):
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    event = stripe_event("invoice.paid", invoice_object(customer="cus_nobody", status="paid"))

    (outcome,) = deliver([event], context)

    assert outcome == Outcome(EventOutcome.IGNORED, "unknown customer cus_nobody")
    record = WebhookEventModel.get(event["id"])
    assert (record.outcome, record.detail) == ("ignored", "unknown customer cus_nobody")
    assert list(InvoiceModel.by_invoice_id.query(event["data"]["object"]["id"])) == []


def test_a_deleted_draft_is_removed(test_settings, account):
    _, customer_id = account
    stripe = FakeStripe()
    context = WebhookContext(test_settings, lambda: stripe)
    draft = invoice_object(customer=customer_id, status="draft")
    stripe.invoices[draft["id"]] = draft
    deliver([stripe_event("invoice.created", draft, created=SAMPLE_TIME + 1)], context)

    deliver([stripe_event("invoice.deleted", draft, created=SAMPLE_TIME + 2)], context)

    assert list(InvoiceModel.by_invoice_id.query(draft["id"])) == []


def test_apply_invoice_is_callable_outside_the_webhook(test_settings, account):
    account_id, customer_id = account
    stripe = FakeStripe()
    paid = invoice_object(customer=customer_id, status="paid", attempt_count=2)

    def apply() -> SyncResult:
        return apply_invoice(
            paid,
            event_created=SAMPLE_TIME + 100,
            event_id=None,
            event_type=None,
            settings=test_settings,
            reads=stripe,
        )

    synced, replayed = apply().invoice, apply().invoice

    assert synced is not None
    assert (synced.account_id, synced.status, synced.payment_status) == (account_id, "paid", "paid")
    assert synced.last_event_id is None
    assert replayed is None  # an equal state is already stored
