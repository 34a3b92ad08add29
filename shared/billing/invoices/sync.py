"""Stripe invoice -> our Invoices read model.

`apply_invoice` is the one door: the Stripe events consumer (shared.webhooks.dispatch) calls it
for every invoice event, and the card update (shared.billing.cards) for each invoice it paid.
It writes with one conditional UpdateItem whose condition is the ordering guard, so a late or
replayed older snapshot never moves an invoice backwards, and it queues the PDF rendering when
the status the PDF shows has changed.

Ordering: a snapshot's version is (status rank, event time, attempt count). Stripe statuses
only move forward (draft -> open -> uncollectible -> paid | void; paid and void are final),
so a higher rank always wins; within one status the newer event wins, and within one second
the later payment attempt wins. An equal version is the same snapshot again: a no-op.

Payloads are read defensively: current API versions have no `charge`/`payment_intent` on the
invoice (the payment attempt lives in `payments`), older ones (and localstripe) do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.condition import Condition

from shared.accounts.sync import account_id_for_customer
from shared.billing.invoices.render_queue import queue_render
from shared.billing.invoices.snapshot import (
    ACTION_REQUIRED_EVENT,
    OUTSTANDING_STATUSES,
    InvoiceSnapshot,
    PaymentAttempt,
    last_payment_attempt,
    payment_status,
    read_invoice,
)
from shared.config import Settings
from shared.data.conditions import condition_failed
from shared.data.tables.invoices import InvoiceLine, InvoiceModel
from shared.data.updates import UpdateRequest, run_update, update_request
from shared.errors import NotFound
from shared.observability import logger
from shared.stripe.reads import StripeMapping, StripeReads, as_mapping, object_id
from shared.timeutil import from_epoch, utc_now

STATUS_RANK = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}


class SyncOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"
    UNKNOWN_CUSTOMER = "unknown_customer"


@dataclass(frozen=True)
class SyncResult:
    outcome: SyncOutcome
    account_id: str | None = None
    invoice: InvoiceModel | None = None
    render_queued: bool = False


# ---------------------------------------------------------------- the conditional write


def newer_than_stored(snapshot: InvoiceSnapshot, event_created: int) -> Condition:
    rank = STATUS_RANK.get(snapshot.status, 0)
    lower = [status for status, value in STATUS_RANK.items() if value < rank]
    same_status_newer = (InvoiceModel.status == snapshot.status) & (
        (InvoiceModel.last_event_created < event_created)
        | (
            (InvoiceModel.last_event_created == event_created)
            & (InvoiceModel.attempt_count < snapshot.attempt_count)
        )
    )
    condition: Condition = InvoiceModel.invoice_key.does_not_exist() | same_status_newer
    if lower:
        condition = condition | InvoiceModel.status.is_in(*lower)
    return condition


def _update_values(
    snapshot: InvoiceSnapshot,
    status_for_payment: str,
    attempt: PaymentAttempt,
    event_created: int,
    event_id: str | None,
) -> dict[str, Any]:
    """Every attribute the snapshot sets; None removes the attribute."""
    values: dict[str, Any] = {
        "invoice_id": snapshot.invoice_id,
        "status": snapshot.status,
        "payment_status": status_for_payment,
        "amount_due": snapshot.amount_due,
        "amount_paid": snapshot.amount_paid,
        "amount_remaining": snapshot.amount_remaining,
        "subtotal": snapshot.subtotal,
        "total": snapshot.total,
        "currency": snapshot.currency,
        "attempt_count": snapshot.attempt_count,
        "requires_action": status_for_payment == "action_required",
        "lines": [InvoiceLine(description=d, quantity=q, amount=a) for d, q, a in snapshot.lines],
        "created": datetime.fromtimestamp(snapshot.created, UTC),
        "last_event_created": event_created,
        "updated_at": utc_now(),
        "last_event_id": event_id,
        "stripe_customer_id": snapshot.customer_id,
        "subscription_id": snapshot.subscription_id,
        "number": snapshot.number,
        "tax": snapshot.tax,
        "description": snapshot.description,
        "customer_name": snapshot.customer_name,
        "customer_email": snapshot.customer_email,
        "period_start": from_epoch(snapshot.period_start),
        "period_end": from_epoch(snapshot.period_end),
        "due_date": from_epoch(snapshot.due_date),
        "paid_at": from_epoch(snapshot.paid_at),
        "next_payment_attempt": from_epoch(snapshot.next_payment_attempt),
    }
    if attempt.failure_message is not None and status_for_payment == "failed":
        values["failure_message"] = attempt.failure_message
    elif status_for_payment != "failed":
        values["failure_message"] = None
    # Failed but the message is unknown: keep the one we have rather than erase it.
    return values


def _queue_render_if_needed(settings: Settings, invoice: InvoiceModel) -> bool:
    """Queues the PDF when the invoice is final enough to show and its PDF (if any) was
    rendered for another payment status (finalized, paid, failed, voided...)."""
    if invoice.status == "draft" or invoice.pdf_rendered_for == invoice.payment_status:
        return False
    return queue_render(settings, invoice.account_id, invoice.invoice_id)


@dataclass(frozen=True)
class InvoiceWrite:
    """One invoice's conditional update, ready to run alone or inside a transaction."""

    request: UpdateRequest
    invoice_id: str
    status: str


def prepare_write(
    invoice: StripeMapping,
    *,
    account_id: str,
    event_created: int,
    event_id: str | None,
    event_type: str | None,
    reads: StripeReads,
) -> InvoiceWrite:
    snapshot = read_invoice(invoice)
    attempt = PaymentAttempt(requires_action=event_type == ACTION_REQUIRED_EVENT)
    if snapshot.status in OUTSTANDING_STATUSES and snapshot.payment_was_attempted:
        try:
            attempt = last_payment_attempt(invoice, reads, event_type)
        except NotFound:
            # The payment Stripe no longer has (404) cannot tell us more: apply what the event
            # carries, with the bank's message unknown. Outages (5xx, timeouts) still raise.
            logger.warning("invoice payment not found", extra={"invoice": snapshot.invoice_id})
    status_for_payment = payment_status(snapshot, attempt)
    values = _update_values(snapshot, status_for_payment, attempt, event_created, event_id)
    condition = newer_than_stored(snapshot, event_created)
    return InvoiceWrite(
        request=update_request(InvoiceModel, account_id, snapshot.invoice_key, values, condition),
        invoice_id=snapshot.invoice_id,
        status=snapshot.status,
    )


def apply_invoice(
    stripe_invoice: Any,
    *,
    event_created: int,
    event_id: str | None,
    event_type: str | None,
    settings: Settings,
    reads: StripeReads,
) -> SyncResult:
    invoice = as_mapping(stripe_invoice)
    account_id = account_id_for_customer(object_id(invoice.get("customer")))
    if account_id is None:
        return SyncResult(SyncOutcome.UNKNOWN_CUSTOMER)
    write = prepare_write(
        invoice,
        account_id=account_id,
        event_created=event_created,
        event_id=event_id,
        event_type=event_type,
        reads=reads,
    )
    stored = apply_write(write)
    if stored is None:
        return SyncResult(SyncOutcome.STALE, account_id)
    queued = _queue_render_if_needed(settings, stored)
    return SyncResult(SyncOutcome.APPLIED, account_id, stored, queued)


def apply_write(write: InvoiceWrite) -> InvoiceModel | None:
    """Runs one prepared write: the invoice as now stored, or None when a newer (or the same)
    state is already stored."""
    try:
        return run_update(InvoiceModel, write.request)
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise


def delete_draft_invoice(stripe_invoice: Any) -> SyncOutcome:
    """invoice.deleted (only drafts can be deleted): drop our copy if it is still a draft."""
    snapshot = read_invoice(as_mapping(stripe_invoice))
    account_id = account_id_for_customer(snapshot.customer_id)
    if account_id is None:
        return SyncOutcome.UNKNOWN_CUSTOMER
    try:
        InvoiceModel(account_id, snapshot.invoice_key).delete(
            condition=InvoiceModel.invoice_key.does_not_exist() | (InvoiceModel.status == "draft")
        )
    except DeleteError as error:
        if condition_failed(error):
            return SyncOutcome.STALE
        raise
    return SyncOutcome.APPLIED
