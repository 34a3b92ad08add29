"""GET /v1/billing/invoices and GET /v1/billing/invoices/{invoice_id}: the agent's own invoices.

Available after cancellation too (billing records stay). Never imports the PDF renderer."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api import create_app, http_handler
from shared.auth import require_agent
from shared.invoices import InvoicePage, InvoiceView, PaymentStatus, find_invoice, invoice_view
from shared.invoices import list_invoices as query_invoices
from shared.runtime import bootstrap

app = create_app()


@app.get("/v1/billing/invoices")
def list_invoices(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    status: Annotated[PaymentStatus | None, Query()] = None,
) -> InvoicePage:
    account = require_agent(app.current_event, allow_cancelled=True)
    return query_invoices(
        account.account_id,
        limit=limit,
        cursor=cursor,
        status=status,
        key=bootstrap().cursor_signing_key(),
    )


@app.get("/v1/billing/invoices/<invoice_id>")
def get_invoice(invoice_id: str) -> InvoiceView:
    account = require_agent(app.current_event, allow_cancelled=True)
    return invoice_view(find_invoice(account.account_id, invoice_id))


lambda_handler = http_handler(app)
