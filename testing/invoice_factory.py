"""Invoices written straight into the read model, the way the Stripe webhook leaves them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.data.tables.invoices import InvoiceLine, InvoiceModel

# payment_status -> Stripe invoice status
STRIPE_STATUS = {
    "paid": "paid",
    "failed": "open",
    "pending": "open",
    "action_required": "open",
    "void": "void",
    "uncollectible": "uncollectible",
}
PAYMENT_STATUSES = tuple(STRIPE_STATUS)
BASE_TIME = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)


def build_invoice(
    account_id: str,
    *,
    created: datetime = BASE_TIME,
    payment_status: str = "paid",
    status: str | None = None,
    invoice_id: str | None = None,
    number: str | None = None,
    currency: str = "usd",
    amount: int = 29900,
    tax: int | None = None,
    lines: Iterable[tuple[str, int, int]] | None = None,
    customer_name: str = "Test Agent",
    **fields: Any,
) -> InvoiceModel:
    invoice_id = invoice_id or f"in_{uuid.uuid4().hex[:20]}"
    status = status or STRIPE_STATUS[payment_status]
    paid = payment_status == "paid"
    line_items = list(lines) if lines is not None else [("Predictive seller leads", 1, amount)]
    subtotal = sum(line_amount for _, _, line_amount in line_items)
    total = subtotal + (tax or 0)
    epoch = int(created.timestamp())
    values: dict[str, Any] = {
        "invoice_id": invoice_id,
        "stripe_customer_id": "cus_test",
        "number": number or f"TEST-{invoice_id[-6:].upper()}",
        "status": status,
        "payment_status": payment_status,
        "amount_due": total,
        "amount_paid": total if paid else 0,
        "amount_remaining": 0 if paid else total,
        "subtotal": subtotal,
        "tax": tax,
        "total": total,
        "currency": currency,
        "description": "Predictive Seller Leads subscription",
        "customer_name": customer_name,
        "customer_email": f"{account_id}@example.com",
        "lines": [
            InvoiceLine(description=description, quantity=quantity, amount=line_amount)
            for description, quantity, line_amount in line_items
        ],
        "created": created,
        "period_start": created,
        "period_end": created + timedelta(days=30),
        "due_date": created + timedelta(days=15),
        "paid_at": created if paid else None,
        "attempt_count": 0 if payment_status == "pending" else 1,
        "failure_message": "Your card was declined." if payment_status == "failed" else None,
        "requires_action": payment_status == "action_required",
        "updated_at": datetime.now(UTC),
    }
    values.update(fields)
    return InvoiceModel(account_id, f"{epoch:010d}#{invoice_id}", **values)


def save_invoice(account_id: str, **kwargs: Any) -> InvoiceModel:
    invoice = build_invoice(account_id, **kwargs)
    invoice.save()
    return invoice


def save_invoices(invoices: Iterable[InvoiceModel]) -> None:
    with InvoiceModel.batch_write() as batch:
        for invoice in invoices:
            batch.save(invoice)
