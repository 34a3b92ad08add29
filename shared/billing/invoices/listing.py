"""Invoices as the agent sees them: the list (newest first, filtered, paginated) and one invoice.

Every read is a DynamoDB Query: the list on the caller's own partition, the detail on the
invoice-id index filtered to the caller's account. Nothing here imports the PDF renderer."""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict, get_args

from shared.data.tables.invoices import InvoiceModel
from shared.errors import InvalidCursor, NotFound
from shared.http.pagination import decode_cursor, encode_cursor
from shared.timeutil import iso

PaymentStatus = Literal["paid", "failed", "pending", "action_required", "void", "uncollectible"]
PAYMENT_STATUSES: tuple[str, ...] = get_args(PaymentStatus)

DRAFT = "draft"
FILTERED_PAGE_SIZE = 100
INVOICE_ID = re.compile(r"in_[A-Za-z0-9_]{1,250}")

# What the list shows: everything but the line items (the bulk of an item), read by projection.
LIST_ATTRIBUTES = (
    "account_id",
    "invoice_key",
    "invoice_id",
    "number",
    "status",
    "payment_status",
    "amount_due",
    "amount_paid",
    "amount_remaining",
    "currency",
    "description",
    "created",
    "period_start",
    "period_end",
    "due_date",
    "paid_at",
    "attempt_count",
    "next_payment_attempt",
    "failure_message",
    "updated_at",
)


# TypedDicts rather than pydantic models: the download function answers without loading pydantic;
# the listing validates and documents them all the same.
class InvoiceView(TypedDict):
    id: str
    number: str | None
    status: str
    payment_status: str
    amount_due: int
    amount_paid: int
    amount_remaining: int
    currency: str
    description: str | None
    created: str | None
    period_start: str | None
    period_end: str | None
    due_date: str | None
    paid_at: str | None
    attempt_count: int
    next_payment_attempt: str | None
    failure_message: str | None
    pdf_available: bool


class InvoicePage(TypedDict):
    invoices: list[InvoiceView]
    next_cursor: str | None


def display_number(invoice: InvoiceModel) -> str:
    """What the page, the PDF and its file name call the invoice: Stripe's number, or, before
    Stripe has given it one (or where a Stripe fake gives none), the Stripe invoice id."""
    return invoice.number or invoice.invoice_id


def pdf_available(invoice: InvoiceModel) -> bool:
    """A finalized invoice can always be downloaded (a missing or stale PDF is rendered first)."""
    return invoice.status != DRAFT


def pdf_is_current(invoice: InvoiceModel) -> bool:
    """A PDF is stored and was rendered for the invoice's present payment status."""
    return bool(invoice.pdf_key) and invoice.pdf_rendered_for == invoice.payment_status


def invoice_view(invoice: InvoiceModel) -> InvoiceView:
    return InvoiceView(
        id=invoice.invoice_id,
        number=invoice.number,
        status=invoice.status,
        payment_status=invoice.payment_status,
        amount_due=int(invoice.amount_due),
        amount_paid=int(invoice.amount_paid),
        amount_remaining=int(invoice.amount_remaining),
        currency=invoice.currency,
        description=invoice.description,
        created=iso(invoice.created),
        period_start=iso(invoice.period_start),
        period_end=iso(invoice.period_end),
        due_date=iso(invoice.due_date),
        paid_at=iso(invoice.paid_at),
        attempt_count=int(invoice.attempt_count),
        next_payment_attempt=iso(invoice.next_payment_attempt),
        failure_message=invoice.failure_message,
        pdf_available=pdf_available(invoice),
    )


def _cursor_scope(account_id: str, status: str | None) -> str:
    return f"invoices:{account_id}" + (f":{status}" if status else "")


def _key_of(invoice: InvoiceModel) -> dict[str, Any]:
    """The item's primary key in DynamoDB's wire format (what LastEvaluatedKey looks like)."""
    return {"account_id": {"S": invoice.account_id}, "invoice_key": {"S": invoice.invoice_key}}


def _start_key(cursor: str | None, *, account_id: str, scope: str, key: bytes) -> Any:
    start = decode_cursor(cursor, scope=scope, key=key)
    # The signature already binds the cursor to this account; this is a second, cheap check.
    if start is not None and start.get("account_id") != {"S": account_id}:
        raise InvalidCursor("This cursor was not issued for this listing.")
    return start


def list_invoices(
    account_id: str,
    *,
    limit: int,
    cursor: str | None,
    status: PaymentStatus | None,
    key: bytes,
) -> InvoicePage:
    """Newest first. With a status filter DynamoDB applies `Limit` before the filter, so instead of
    handing out DynamoDB's LastEvaluatedKey we read until `limit + 1` invoices match and sign the
    key of the last one returned: pages are full, and the last page has no cursor."""
    scope = _cursor_scope(account_id, status)
    start = _start_key(cursor, account_id=account_id, scope=scope, key=key)
    results = InvoiceModel.query(
        account_id,
        scan_index_forward=False,
        filter_condition=(InvoiceModel.payment_status == status) if status else None,
        last_evaluated_key=start,
        # A filtered read discards what does not match: read bigger pages per round trip.
        page_size=max(limit + 1, FILTERED_PAGE_SIZE) if status else limit + 1,
        attributes_to_get=list(LIST_ATTRIBUTES),
    )
    invoices: list[InvoiceModel] = []
    has_more = False
    for invoice in results:
        if len(invoices) == limit:
            has_more = True
            break
        invoices.append(invoice)
    next_cursor = (
        encode_cursor(_key_of(invoices[-1]), scope=scope, key=key)
        if has_more and invoices
        else None
    )
    return InvoicePage(invoices=[invoice_view(item) for item in invoices], next_cursor=next_cursor)


def find_invoice(account_id: str, invoice_id: str) -> InvoiceModel:
    """The caller's invoice, or NotFound: another account's invoice id is indistinguishable from an
    id that does not exist."""
    if not INVOICE_ID.fullmatch(invoice_id):
        raise NotFound(f"No invoice {invoice_id[:64]}.")
    matches = InvoiceModel.by_invoice_id.query(
        invoice_id, filter_condition=InvoiceModel.account_id == account_id
    )
    for invoice in matches:
        return invoice
    raise NotFound(f"No invoice {invoice_id[:64]}.")
