"""A Stripe invoice, read: the fields we keep (any API version's shape), its payment status
as the API reports it, and the last payment attempt (whether the customer must authenticate,
and the bank's message), which current API versions keep off the invoice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.stripe.reads import (
    StripeMapping,
    StripeReads,
    expanded_payment_intent,
    newest_payment_intent,
    object_id,
)

OUTSTANDING_STATUSES = frozenset({"open", "uncollectible"})
ACTION_REQUIRED_EVENT = "invoice.payment_action_required"


@dataclass(frozen=True)
class PaymentAttempt:
    requires_action: bool = False
    failure_message: str | None = None


@dataclass(frozen=True)
class InvoiceSnapshot:
    invoice_id: str
    customer_id: str | None
    subscription_id: str | None
    number: str | None
    status: str
    amount_due: int
    amount_paid: int
    amount_remaining: int
    subtotal: int
    tax: int | None
    total: int
    currency: str
    description: str | None
    customer_name: str | None
    customer_email: str | None
    lines: tuple[tuple[str, int, int], ...]  # (description, quantity, amount)
    created: int
    period_start: int | None
    period_end: int | None
    due_date: int | None
    paid_at: int | None
    attempt_count: int
    attempted: bool
    next_payment_attempt: int | None

    @property
    def invoice_key(self) -> str:
        return invoice_key(self.created, self.invoice_id)

    @property
    def payment_was_attempted(self) -> bool:
        return self.attempted or self.attempt_count > 0


def invoice_key(created: int, invoice_id: str) -> str:
    return f"{created:010d}#{invoice_id}"


def _int(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _subscription_id(invoice: StripeMapping) -> str | None:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return object_id(details.get("subscription")) or object_id(invoice.get("subscription"))


def _tax(invoice: StripeMapping) -> int | None:
    total_taxes = invoice.get("total_taxes")
    if isinstance(total_taxes, list):
        return sum(_int(item.get("amount")) for item in total_taxes if isinstance(item, Mapping))
    return _optional_int(invoice.get("tax"))


def _lines(invoice: StripeMapping) -> tuple[tuple[str, int, int], ...]:
    lines = invoice.get("lines") or {}
    result = []
    for line in lines.get("data") or []:
        if not isinstance(line, Mapping):
            continue
        plan = line.get("plan")
        plan = plan if isinstance(plan, Mapping) else {}
        description = _text(line.get("description")) or _text(plan.get("name")) or "Line item"
        quantity = _optional_int(line.get("quantity"))
        result.append((description, 1 if quantity is None else quantity, _int(line.get("amount"))))
    return tuple(result)


def read_invoice(invoice: StripeMapping) -> InvoiceSnapshot:
    """The fields we keep, read defensively from any API version's invoice."""
    amount_due = _int(invoice.get("amount_due"))
    amount_paid = _int(invoice.get("amount_paid"))
    transitions = invoice.get("status_transitions") or {}
    return InvoiceSnapshot(
        invoice_id=str(invoice["id"]),
        customer_id=object_id(invoice.get("customer")),
        subscription_id=_subscription_id(invoice),
        number=_text(invoice.get("number")),
        status=str(invoice.get("status") or "draft"),
        amount_due=amount_due,
        amount_paid=amount_paid,
        amount_remaining=_int(invoice.get("amount_remaining"), max(amount_due - amount_paid, 0)),
        subtotal=_int(invoice.get("subtotal")),
        tax=_tax(invoice),
        total=_int(invoice.get("total")),
        currency=str(invoice.get("currency") or "usd").lower(),
        description=_text(invoice.get("description")),
        customer_name=_text(invoice.get("customer_name")),
        customer_email=_text(invoice.get("customer_email")),
        lines=_lines(invoice),
        created=_int(invoice.get("created")),
        period_start=_optional_int(invoice.get("period_start")),
        period_end=_optional_int(invoice.get("period_end")),
        due_date=_optional_int(invoice.get("due_date")),
        paid_at=_optional_int(transitions.get("paid_at")),
        attempt_count=_int(invoice.get("attempt_count")),
        attempted=bool(invoice.get("attempted")),
        next_payment_attempt=_optional_int(invoice.get("next_payment_attempt")),
    )


def payment_status(snapshot: InvoiceSnapshot, attempt: PaymentAttempt) -> str:
    """API.md's payment_status: paid|failed|pending|action_required|void|uncollectible."""
    if snapshot.status in ("paid", "void"):
        return snapshot.status
    if snapshot.status in OUTSTANDING_STATUSES:
        if attempt.requires_action and snapshot.status == "open":
            return "action_required"
        if snapshot.payment_was_attempted:
            return "failed"
        return "pending" if snapshot.status == "open" else "uncollectible"
    return "pending"  # draft


# ---------------------------------------------------------------- the last payment attempt


def _latest_payment_intent(invoice: StripeMapping, reads: StripeReads) -> StripeMapping | None:
    if "payment_intent" in invoice:  # older API versions (and localstripe)
        return expanded_payment_intent(invoice.get("payment_intent"), reads)
    payments = (invoice.get("payments") or {}).get("data")
    if isinstance(payments, list) and payments:
        return newest_payment_intent(payments, reads)
    return reads.latest_invoice_payment_intent(str(invoice["id"]))


def last_payment_attempt(
    invoice: StripeMapping, reads: StripeReads, event_type: str | None
) -> PaymentAttempt:
    """Whether the customer must authenticate, and the bank's message of the last failure."""
    told_action_required = event_type == ACTION_REQUIRED_EVENT
    charge = invoice.get("charge")
    if isinstance(charge, Mapping) and _text(charge.get("failure_message")):
        return PaymentAttempt(told_action_required, _text(charge.get("failure_message")))
    intent = _latest_payment_intent(invoice, reads)
    if intent is None:
        return PaymentAttempt(told_action_required, None)
    error = intent.get("last_payment_error") or {}
    return PaymentAttempt(
        requires_action=told_action_required or intent.get("status") == "requires_action",
        failure_message=_text(error.get("message")) if isinstance(error, Mapping) else None,
    )
