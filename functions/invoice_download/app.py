"""GET /v1/billing/invoices/{invoice_id}/download: a presigned link to the invoice PDF (≤ 5 min).

A missing or stale PDF is rendered first; only then is fpdf2 imported. Its only input is the
path id: answered without loading pydantic (see create_app)."""

from shared.api import create_app, http_handler
from shared.auth import require_agent
from shared.invoice_documents import DownloadLink, download_link
from shared.runtime import bootstrap

app = create_app()


@app.get("/v1/billing/invoices/<invoice_id>/download")
def download_invoice(invoice_id: str) -> DownloadLink:
    account = require_agent(app.current_event, allow_cancelled=True)
    return download_link(bootstrap(), account.account_id, invoice_id)


lambda_handler = http_handler(app)
