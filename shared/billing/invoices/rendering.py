"""Invoice PDFs rendered and stored: the renderer function's work, from its queue or when the
download asks (`shared.billing.invoices.renderer_client`). The download itself never imports
this module, and ships no PDF library (`shared.billing.invoices.downloads`).

The PDF module (fpdf2) is imported only inside `render_and_store`: a request for a PDF that is
already current costs no fpdf2 import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.exceptions import UpdateError

from shared.billing.invoices.listing import DRAFT, find_invoice, pdf_is_current
from shared.config import Settings
from shared.data.conditions import condition_failed
from shared.data.storage import new_pdf_key, put_pdf
from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.errors import NotFound
from shared.observability import logger, metrics

if TYPE_CHECKING:
    from shared.billing.invoices.pdf import BillTo


def render_and_store(settings: Settings, invoice: InvoiceModel) -> str:
    """Renders the invoice as it is now, stores it under a fresh key, and records key and status.

    The record is only updated while the invoice exists (an UpdateItem would otherwise create a
    stray item). If the invoice changed meanwhile, the recorded status is the one rendered, so
    the next download sees the PDF as stale and renders again."""
    from shared.billing.invoices.pdf import Seller, render_invoice_pdf

    document = render_invoice_pdf(
        invoice,
        Seller(name=settings.seller_name, address=settings.seller_address),
        _bill_to(invoice),
    )
    key = new_pdf_key(invoice.account_id, invoice.invoice_id)
    put_pdf(settings, key, document)
    rendered_for = invoice.payment_status
    try:
        invoice.update(
            actions=[
                InvoiceModel.pdf_key.set(key),
                InvoiceModel.pdf_rendered_for.set(rendered_for),
            ],
            condition=InvoiceModel.invoice_key.exists(),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise NotFound(f"No invoice {invoice.invoice_id}.") from None
        raise
    metrics.add_metric(name="InvoicePdfsRendered", unit="Count", value=1)
    logger.info(
        "invoice pdf rendered",
        extra={
            "invoice_id": invoice.invoice_id,
            "rendered_for": rendered_for,
            "bytes": len(document),
        },
    )
    return key


def _bill_to(invoice: InvoiceModel) -> BillTo:
    """The account's name and email, read only when Stripe's invoice lacks one of them."""
    from shared.billing.invoices.pdf import BillTo

    if invoice.customer_name and invoice.customer_email:
        return BillTo()
    try:
        account = AccountModel.get(invoice.account_id)
    except AccountModel.DoesNotExist:
        return BillTo()
    return BillTo(name=account.name or None, email=account.email or None)


def handle_render_request(settings: Settings, account_id: str, invoice_id: str) -> str | None:
    """Idempotent: a draft has no PDF yet and a current PDF is not rendered again."""
    invoice = find_invoice(account_id, invoice_id)
    if invoice.status == DRAFT:
        logger.info("draft invoice not rendered", extra={"invoice_id": invoice.invoice_id})
        return None
    if pdf_is_current(invoice):
        return invoice.pdf_key
    return render_and_store(settings, invoice)
