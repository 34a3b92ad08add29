"""Short-lived download links to invoice PDFs (the download function's work).

A PDF that is missing, or was rendered for an older payment status, is rendered first by
`render`, which the function passes in: the renderer function, invoked and waited for
(`shared.billing.invoices.renderer_client`). So this module, and the download, import no PDF
library and never write to the bucket. Nor do they load pydantic: the answer is a TypedDict."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from shared.billing.invoices.listing import DRAFT, find_invoice, pdf_is_current
from shared.config import Settings
from shared.data.storage import download_filename, presign_download
from shared.errors import InvoiceNotFinalized, NotFound
from shared.timeutil import iso

# (account_id, invoice_id) -> the key of a PDF rendered just now, or None: nothing to render.
Render = Callable[[str, str], str | None]


class DownloadLink(TypedDict):
    url: str
    expires_at: str
    filename: str


def download_link(
    settings: Settings, account_id: str, invoice_id: str, render: Render
) -> DownloadLink:
    invoice = find_invoice(account_id, invoice_id)
    if invoice.status == DRAFT:
        raise InvoiceNotFinalized("This invoice is still a draft; it has no PDF yet.")
    key = invoice.pdf_key if pdf_is_current(invoice) else render(account_id, invoice_id)
    if key is None:  # deleted while it was being rendered
        raise NotFound(f"No invoice {invoice_id}.")
    link = presign_download(settings, key, download_filename(invoice.number, invoice.invoice_id))
    expires_at = iso(link.expires_at)
    assert expires_at is not None
    return DownloadLink(url=link.url, expires_at=expires_at, filename=link.filename)
