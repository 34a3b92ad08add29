"""Invoice PDFs: render and store them (the renderer's work, and the download's when the stored
PDF is missing or stale), and hand out short-lived download links.

The PDF module (fpdf2) is imported only inside `render_and_store`, so a download of an invoice
whose PDF is current never loads it; nor does the download load pydantic (its answer is a
TypedDict)."""

from __future__ import annotations

from typing import TypedDict

from pynamodb.exceptions import UpdateError

from shared.config import Settings
from shared.errors import InvoiceNotFinalized, NotFound
from shared.invoices import DRAFT, find_invoice
from shared.models import InvoiceModel
from shared.observability import logger, metrics
from shared.storage import download_filename, new_pdf_key, presign_download, put_pdf
from shared.timeutil import iso


class DownloadLink(TypedDict):
    url: str
    expires_at: str
    filename: str


def pdf_is_current(invoice: InvoiceModel) -> bool:
    return bool(invoice.pdf_key) and invoice.pdf_rendered_for == invoice.payment_status


def render_and_store(settings: Settings, invoice: InvoiceModel) -> str:
    """Renders the invoice as it is now, stores it under a fresh key, and records key and status.

    The record is only updated while the invoice exists (an UpdateItem would otherwise create a
    stray item). If the invoice changed meanwhile, the recorded status is the one rendered, so
    the next download sees the PDF as stale and renders again."""
    from shared.invoice_pdf import Seller, render_invoice_pdf

    document = render_invoice_pdf(
        invoice, Seller(name=settings.seller_name, address=settings.seller_address)
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
        if error.cause_response_code == "ConditionalCheckFailedException":
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


def handle_render_request(settings: Settings, account_id: str, invoice_id: str) -> str | None:
    """Idempotent: a draft has no PDF yet and a current PDF is not rendered again."""
    invoice = find_invoice(account_id, invoice_id)
    if invoice.status == DRAFT:
        logger.info("draft invoice not rendered", extra={"invoice_id": invoice.invoice_id})
        return None
    if pdf_is_current(invoice):
        return invoice.pdf_key
    return render_and_store(settings, invoice)


def download_link(settings: Settings, account_id: str, invoice_id: str) -> DownloadLink:
    invoice = find_invoice(account_id, invoice_id)
    if invoice.status == DRAFT:
        raise InvoiceNotFinalized("This invoice is still a draft; it has no PDF yet.")
    key = invoice.pdf_key if pdf_is_current(invoice) else None
    if key is None:
        key = render_and_store(settings, invoice)
    link = presign_download(settings, key, download_filename(invoice.number, invoice.invoice_id))
    expires_at = iso(link.expires_at)
    assert expires_at is not None
    return DownloadLink(url=link.url, expires_at=expires_at, filename=link.filename)
