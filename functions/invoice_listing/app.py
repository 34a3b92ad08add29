"""GET /v1/billing/invoices and GET /v1/billing/invoices/{invoice_id}: the agent's own invoices.

Available after cancellation too (billing records stay). Never imports the PDF renderer, nor
pydantic: the query is checked against its JSON Schema (see shared.http.query)."""

from typing import cast

from shared.billing.invoices.listing import (
    PAYMENT_STATUSES,
    InvoicePage,
    InvoiceView,
    PaymentStatus,
    find_invoice,
    invoice_view,
)
from shared.billing.invoices.listing import list_invoices as query_invoices
from shared.http.app import create_app, http_handler
from shared.http.auth import require_agent
from shared.http.query import QueryParameters
from shared.runtime import cached_settings

LIST_QUERY = QueryParameters(
    {
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "cursor": {"type": "string", "maxLength": 2048},
        "status": {"type": "string", "enum": list(PAYMENT_STATUSES)},
    }
)

app = create_app()


@app.get("/v1/billing/invoices", openapi_extensions=LIST_QUERY.openapi_extensions())
def list_invoices() -> InvoicePage:
    query = LIST_QUERY.parse(app.current_event.query_string_parameters)
    account = require_agent(app.current_event, allow_cancelled=True)
    return query_invoices(
        account.account_id,
        limit=int(query["limit"]),
        cursor=query["cursor"],
        status=cast(PaymentStatus | None, query["status"]),
        key=cached_settings().cursor_signing_key(),
    )


@app.get("/v1/billing/invoices/<invoice_id>")
def get_invoice(invoice_id: str) -> InvoiceView:
    account = require_agent(app.current_event, allow_cancelled=True)
    return invoice_view(find_invoice(account.account_id, invoice_id))


lambda_handler = http_handler(app)
