"""Stripe invoice -> read model fields: current and older API shapes, payment_status, and the
failure message of the last payment attempt."""

from __future__ import annotations

import pytest

from shared.accounts.sync import card_summary, default_payment_method_id
from shared.billing.invoices.snapshot import (
    PaymentAttempt,
    invoice_key,
    last_payment_attempt,
    payment_status,
    read_invoice,
)
from shared.stripe.reads import as_mapping, object_id
from testing.fake_stripe import FakeStripe
from testing.stripe_objects import SAMPLE_TIME, card_payment_method, customer_object, invoice_object

DECLINED = {
    "id": "pi_1",
    "status": "requires_payment_method",
    "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
}


def test_current_api_shape_is_read():
    invoice = invoice_object(
        invoice_id="in_123",
        customer="cus_1",
        subscription="sub_1",
        status="open",
        attempt_count=1,
        total_taxes=[{"amount": 120}, {"amount": 30}],
        due_date=SAMPLE_TIME + 86400,
    )

    snapshot = read_invoice(invoice)

    assert snapshot.invoice_id == "in_123"
    assert snapshot.customer_id == "cus_1"
    assert snapshot.subscription_id == "sub_1"
    assert snapshot.number == "A1B2C3D4-0001"
    assert (snapshot.amount_due, snapshot.amount_paid, snapshot.amount_remaining) == (
        29900,
        0,
        29900,
    )
    assert snapshot.tax == 150
    assert snapshot.due_date == SAMPLE_TIME + 86400
    assert snapshot.lines[0][1:] == (1, 29900)
    assert snapshot.payment_was_attempted
    assert snapshot.invoice_key == f"{SAMPLE_TIME:010d}#in_123"
    assert "charge" not in invoice
    assert "payment_intent" not in invoice


def test_older_api_shape_as_localstripe_sends_it_is_read():
    invoice = {
        "id": "in_old",
        "object": "invoice",
        "customer": "cus_old",
        "subscription": "sub_old",
        "status": "paid",
        "amount_due": 9900,
        "amount_paid": 9900,
        "attempt_count": 1,
        "attempted": True,
        "created": SAMPLE_TIME,
        "currency": "USD",
        "tax": 0,
        "charge": None,
        "payment_intent": "pi_old",
        "lines": {"data": [{"amount": 9900, "description": None, "plan": {"name": "Pro"}}]},
        "status_transitions": {"paid_at": SAMPLE_TIME + 5},
    }

    snapshot = read_invoice(invoice)

    assert snapshot.subscription_id == "sub_old"
    assert snapshot.amount_remaining == 0  # not in the old shape: derived
    assert snapshot.currency == "usd"
    assert snapshot.tax == 0
    assert snapshot.lines == (("Pro", 1, 9900),)
    assert snapshot.paid_at == SAMPLE_TIME + 5
    assert snapshot.number is None


@pytest.mark.parametrize(
    ("status", "attempt_count", "requires_action", "expected"),
    [
        ("draft", 0, False, "pending"),
        ("open", 0, False, "pending"),
        ("open", 1, False, "failed"),
        ("open", 2, True, "action_required"),
        ("uncollectible", 3, False, "failed"),
        ("uncollectible", 0, False, "uncollectible"),
        ("paid", 2, False, "paid"),
        ("void", 0, False, "void"),
    ],
)
def test_payment_status_follows_api_md(status, attempt_count, requires_action, expected):
    snapshot = read_invoice(invoice_object(status=status, attempt_count=attempt_count))

    assert payment_status(snapshot, PaymentAttempt(requires_action=requires_action)) == expected


def test_failure_message_from_an_embedded_charge_needs_no_stripe_call():
    invoice = invoice_object(status="open", attempt_count=1)
    invoice["charge"] = {"id": "ch_1", "failure_message": "Your card has insufficient funds."}
    stripe = FakeStripe()

    attempt = last_payment_attempt(invoice, stripe, "invoice.payment_failed")

    assert attempt.failure_message == "Your card has insufficient funds."
    assert stripe.calls == []


def test_failure_message_from_an_older_shape_payment_intent_id():
    invoice = invoice_object(status="open", attempt_count=1)
    invoice["payment_intent"] = "pi_1"
    stripe = FakeStripe(payment_intents={"pi_1": DECLINED})

    attempt = last_payment_attempt(invoice, stripe, "invoice.updated")

    assert attempt == PaymentAttempt(False, "Your card was declined.")
    assert stripe.calls == ["payment_intent:pi_1"]


def test_failure_message_from_the_newest_of_the_included_payments():
    invoice = invoice_object(status="open", attempt_count=2)
    invoice["payments"] = {
        "data": [
            {"created": 1, "payment": {"type": "payment_intent", "payment_intent": "pi_old"}},
            {"created": 2, "payment": {"type": "payment_intent", "payment_intent": "pi_1"}},
        ]
    }
    stripe = FakeStripe(payment_intents={"pi_1": DECLINED})

    attempt = last_payment_attempt(invoice, stripe, "invoice.payment_failed")

    assert attempt.failure_message == "Your card was declined."
    assert stripe.calls == ["payment_intent:pi_1"]


def test_current_shape_without_payments_asks_stripe_for_the_invoice_payments():
    invoice = invoice_object(invoice_id="in_9", status="open", attempt_count=1)
    stripe = FakeStripe(latest_intents={"in_9": {"id": "pi_9", "status": "requires_action"}})

    attempt = last_payment_attempt(invoice, stripe, "invoice.updated")

    assert attempt == PaymentAttempt(True, None)
    assert stripe.calls == ["invoice_payments:in_9"]


def test_action_required_event_is_trusted_when_stripe_has_no_payment_to_show():
    invoice = invoice_object(status="open", attempt_count=1)
    stripe = FakeStripe()

    attempt = last_payment_attempt(invoice, stripe, "invoice.payment_action_required")

    assert attempt == PaymentAttempt(True, None)


def test_invoice_key_sorts_newest_last_by_created():
    assert invoice_key(5, "in_b") < invoice_key(10, "in_a")
    assert invoice_key(1795910400, "in_x") == "1795910400#in_x"


def test_card_summary_and_default_payment_method():
    method = card_payment_method(
        payment_method_id="pm_7", brand="mastercard", last4="4444", exp_month=3, exp_year=2031
    )

    summary = card_summary(method)

    assert summary is not None
    assert (summary.brand, summary.last4, summary.exp_month, summary.exp_year) == (
        "mastercard",
        "4444",
        3,
        2031,
    )
    assert summary.payment_method_id == "pm_7"
    assert card_summary({"id": "pm_x", "type": "sepa_debit"}) is None
    assert default_payment_method_id(customer_object(default_payment_method="pm_7")) == "pm_7"
    assert default_payment_method_id(customer_object()) is None


def test_object_ids_and_mappings_are_read_from_ids_or_expanded_objects():
    assert object_id("cus_1") == "cus_1"
    assert object_id({"id": "cus_1", "object": "customer"}) == "cus_1"
    assert object_id(None) is None
    assert object_id("") is None
    assert as_mapping(None) == {}
    assert as_mapping({"a": 1}) == {"a": 1}
    with pytest.raises(TypeError):
        as_mapping(42)
