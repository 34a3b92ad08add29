"""Support staff routes (group `support`): accounts, leads, the unassigned pool, and the
cancellation ticket queue (the support console's API; the page itself is support_console's).

Reads (the ticket queue, a ticket, accounts and their invoices, leads, the pool) never load
pydantic: their queries are checked against JSON Schema (shared.http.query) and the body models of
the writes load lazily, when a write is first validated (see shared.http.app.create_app)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, cast

from shared.accounts.views import (
    AccountList,
    AccountView,
    account_view,
    accounts_with_email,
    find_account,
)
from shared.billing.invoices.listing import PAYMENT_STATUSES, InvoicePage, PaymentStatus
from shared.billing.invoices.listing import list_invoices as account_invoices
from shared.cancellation.tickets import (
    TICKET_STATUSES,
    TicketList,
    TicketView,
    approve_ticket,
    find_ticket,
    reject_ticket,
    support_queue,
    ticket_view,
)
from shared.data.queues import send_message
from shared.errors import InvalidRequest
from shared.http.app import create_app, http_handler, lazy_module
from shared.http.auth import principal_from, require_support
from shared.http.query import QUERY_PARAMETERS_EXTENSION, QueryParameters
from shared.http.text import EMAIL_PATTERN, TERRITORY_PATTERN
from shared.leads.assignments import LeadPage, LeadView, agent_leads, lead_view, upsert_leads
from shared.leads.pool import AgentOptions, agents_serving, assign_lead, unassigned_pool
from shared.runtime import cached_settings
from shared.stripe.gateway import gateway_for
from shared.sync.status import queue_import

if TYPE_CHECKING:
    from shared.accounts import creation as account_creation
    from shared.cancellation import requests as ticket_requests
    from shared.leads import requests as lead_requests
else:
    account_creation = lazy_module("shared.accounts.creation")
    lead_requests = lazy_module("shared.leads.requests")
    ticket_requests = lazy_module("shared.cancellation.requests")

CURSOR = {"type": "string", "maxLength": 2048}
LEADS_QUERY = QueryParameters(
    {"limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}, "cursor": CURSOR}
)
TICKETS_QUERY = QueryParameters(
    {
        "status": {"type": "string", "enum": list(TICKET_STATUSES), "default": "open"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
        "cursor": CURSOR,
    }
)
TERRITORY = {"type": "string", "minLength": 1, "maxLength": 32, "pattern": TERRITORY_PATTERN}
EMAIL_QUERY = QueryParameters(
    {"email": {"type": "string", "minLength": 3, "maxLength": 254, "pattern": EMAIL_PATTERN}}
)
INVOICES_QUERY = QueryParameters(
    {
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "cursor": CURSOR,
        "status": {"type": "string", "enum": list(PAYMENT_STATUSES)},
    }
)
POOL_QUERY = QueryParameters(
    {
        # Only the pool is listed here; an agent's leads: /v1/support/accounts/{id}/leads.
        "status": {"type": "string", "enum": ["unassigned"], "default": "unassigned"},
        "territory": TERRITORY,
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
        "cursor": CURSOR,
    }
)
AGENTS_QUERY = QueryParameters({"territory": TERRITORY})


def _requiring(query: QueryParameters, *names: str) -> dict[str, Any]:
    """The query's OpenAPI description, with `names` marked required."""
    extensions = query.openapi_extensions()
    for parameter in extensions[QUERY_PARAMETERS_EXTENSION]:
        parameter["required"] = parameter["name"] in names
    return extensions


def _required(query: dict[str, Any], name: str) -> str:
    value = query[name]
    if value is None:
        raise InvalidRequest(
            "The request is not valid; see fields.",
            fields=[{"field": name, "message": f"{name} is required"}],
        )
    return str(value)


app = create_app()


@app.post("/v1/support/accounts", status_code=201, enable_validation=True)
def create_agent_account(new_account: account_creation.NewAccount) -> AccountView:
    settings = cached_settings()
    account = account_creation.provision_account(
        new_account, gateway_for(settings), queue_import=partial(queue_import, settings)
    )
    return account_view(account)


@app.post("/v1/support/leads", enable_validation=True)
def upsert_agent_leads(upsert: lead_requests.LeadUpsert) -> dict[str, int]:
    return {"upserted": upsert_leads(upsert)}


@app.get(
    "/v1/support/accounts/<account_id>/leads", openapi_extensions=LEADS_QUERY.openapi_extensions()
)
def list_agent_leads(account_id: str) -> LeadPage:
    query = LEADS_QUERY.parse(app.current_event.query_string_parameters)
    return agent_leads(
        account_id,
        limit=int(query["limit"]),
        cursor=query["cursor"],
        key=cached_settings().cursor_signing_key(),
    )


# ---------------------------------------------------------------- the console's lookups and pool
@app.get("/v1/support/accounts", openapi_extensions=_requiring(EMAIL_QUERY, "email"))
def find_accounts_by_email() -> AccountList:
    query = EMAIL_QUERY.parse(app.current_event.query_string_parameters)
    return accounts_with_email(_required(query, "email"))


@app.get("/v1/support/accounts/<account_id>")
def get_account(account_id: str) -> AccountView:
    return account_view(find_account(account_id))


@app.get(
    "/v1/support/accounts/<account_id>/invoices",
    openapi_extensions=INVOICES_QUERY.openapi_extensions(),
)
def list_account_invoices(account_id: str) -> InvoicePage:
    query = INVOICES_QUERY.parse(app.current_event.query_string_parameters)
    find_account(account_id)  # an unknown account is 404, as in the account view
    return account_invoices(
        account_id,
        limit=int(query["limit"]),
        cursor=query["cursor"],
        status=cast(PaymentStatus | None, query["status"]),
        key=cached_settings().cursor_signing_key(),
    )


@app.get("/v1/support/leads", openapi_extensions=POOL_QUERY.openapi_extensions())
def list_unassigned_pool() -> LeadPage:
    query = POOL_QUERY.parse(app.current_event.query_string_parameters)
    return unassigned_pool(
        territory=query["territory"],
        limit=int(query["limit"]),
        cursor=query["cursor"],
        key=cached_settings().cursor_signing_key(),
    )


@app.post("/v1/support/leads/<lead_id>/assign", enable_validation=True)
def assign(lead_id: str, assignment: lead_requests.Assignment) -> LeadView:
    principal = principal_from(app.current_event)
    return lead_view(assign_lead(lead_id, assignment, principal))


@app.get("/v1/support/agents", openapi_extensions=_requiring(AGENTS_QUERY, "territory"))
def list_agents_serving() -> AgentOptions:
    """The active agents serving a territory, least loaded first (the console's Assign)."""
    query = AGENTS_QUERY.parse(app.current_event.query_string_parameters)
    return agents_serving(_required(query, "territory"))


@app.get("/v1/support/tickets", openapi_extensions=TICKETS_QUERY.openapi_extensions())
def list_tickets() -> TicketList:
    query = TICKETS_QUERY.parse(app.current_event.query_string_parameters)
    return support_queue(
        str(query["status"]),
        limit=int(query["limit"]),
        cursor=query["cursor"],
        key=cached_settings().cursor_signing_key(),
    )


@app.get("/v1/support/tickets/<ticket_id>")
def get_ticket(ticket_id: str) -> TicketView:
    return ticket_view(find_ticket(ticket_id))


@app.post("/v1/support/tickets/<ticket_id>/approve", status_code=202, enable_validation=True)
def approve(ticket_id: str, approval: ticket_requests.Approval) -> TicketView:
    principal = principal_from(app.current_event)
    settings = cached_settings()
    ticket = approve_ticket(
        ticket_id,
        approval,
        principal,
        stripe=gateway_for(settings),
        enqueue=partial(send_message, settings, settings.reassignment_queue_url),
    )
    return ticket_view(ticket)


@app.post("/v1/support/tickets/<ticket_id>/reject", enable_validation=True)
def reject(ticket_id: str, rejection: ticket_requests.Rejection) -> TicketView:
    principal = principal_from(app.current_event)
    return ticket_view(reject_ticket(ticket_id, rejection, principal))


# Every route is support's: the role is checked before any query or body is parsed, so a
# caller without the group gets 403, never a 400 that would describe the route's inputs.
lambda_handler = http_handler(app, authorize=require_support)
