"""The Invoices table: our read model of each Stripe invoice, newest first per account."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.data.connection import register_tables


class InvoiceLine(MapAttribute[str, Any]):
    description = UnicodeAttribute()
    quantity = NumberAttribute(default=1)
    amount = NumberAttribute()


class InvoicesByInvoiceId(GlobalSecondaryIndex["InvoiceModel"]):
    class Meta:
        index_name = "by_invoice_id"
        projection = AllProjection()

    invoice_id = UnicodeAttribute(hash_key=True)


class InvoiceModel(Model):
    """Our read model of a Stripe invoice. `invoice_key` = zero-padded created epoch + id, so a
    Query on the account's partition in reverse is newest first."""

    class Meta:
        table_name = "Invoices"

    account_id = UnicodeAttribute(hash_key=True)
    invoice_key = UnicodeAttribute(range_key=True)
    invoice_id = UnicodeAttribute()
    stripe_customer_id = UnicodeAttribute(null=True)
    subscription_id = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # Stripe's: draft|open|paid|void|uncollectible
    payment_status = UnicodeAttribute()
    amount_due = NumberAttribute(default=0)
    amount_paid = NumberAttribute(default=0)
    amount_remaining = NumberAttribute(default=0)
    subtotal = NumberAttribute(default=0)
    tax = NumberAttribute(null=True)
    total = NumberAttribute(default=0)
    currency = UnicodeAttribute(default="usd")
    description = UnicodeAttribute(null=True)
    customer_name = UnicodeAttribute(null=True)
    customer_email = UnicodeAttribute(null=True)
    lines = ListAttribute[InvoiceLine](of=InvoiceLine, default=list)
    created = UTCDateTimeAttribute()
    period_start = UTCDateTimeAttribute(null=True)
    period_end = UTCDateTimeAttribute(null=True)
    due_date = UTCDateTimeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    attempt_count = NumberAttribute(default=0)
    next_payment_attempt = UTCDateTimeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    requires_action = BooleanAttribute(default=False)
    # Ordering guard: Stripe `created` of the newest event applied, and its id.
    last_event_created = NumberAttribute(default=0)
    last_event_id = UnicodeAttribute(null=True)
    # Rendered PDF: its S3 key and the payment_status it was rendered for (stale detection).
    pdf_key = UnicodeAttribute(null=True)
    pdf_rendered_for = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()

    by_invoice_id = InvoicesByInvoiceId()


register_tables({"invoices_table": InvoiceModel})
