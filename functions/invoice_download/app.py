"""GET /v1/billing/invoices/{invoice_id}/download: a presigned link to the invoice PDF (≤ 5 min);
and the same for support staff, GET /v1/support/accounts/{account_id}/invoices/{invoice_id}/download
(served here, not by the support function, so only this role can read the bucket).

A missing or stale PDF is rendered first, by the renderer function, which this one invokes and
waits for: this function ships no PDF library and cannot write to the bucket. Its only input is
the path id: answered without loading pydantic (see create_app)."""

from functools import partial

from shared.billing.invoices.downloads import DownloadLink, download_link
from shared.billing.invoices.renderer_client import render_with_renderer
from shared.http.app import create_app, http_handler
from shared.http.auth import require_agent, require_support
from shared.runtime import cached_settings

app = create_app()


@app.get("/v1/billing/invoices/<invoice_id>/download")
def download_invoice(invoice_id: str) -> DownloadLink:
    account = require_agent(app.current_event, allow_cancelled=True)
    settings = cached_settings()
    render = partial(render_with_renderer, settings)
    return download_link(settings, account.account_id, invoice_id, render)


@app.get("/v1/support/accounts/<account_id>/invoices/<invoice_id>/download")
def support_download_invoice(account_id: str, invoice_id: str) -> DownloadLink:
    """The same link for support staff, for any account (the support console's invoices)."""
    require_support(app.current_event)
    settings = cached_settings()
    render = partial(render_with_renderer, settings)
    return download_link(settings, account_id, invoice_id, render)


lambda_handler = http_handler(app)
