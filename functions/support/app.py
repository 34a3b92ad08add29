"""Support staff routes (group `support`): accounts, leads, and the cancellation ticket queue."""

from functools import partial
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.account_creation import NewAccount, account_exists, create_account
from shared.accounts import AccountView, account_view
from shared.api import create_app, http_handler
from shared.auth import require_support
from shared.errors import Conflict
from shared.leads import LeadPage, LeadUpsert, agent_leads, upsert_leads
from shared.queues import send_message
from shared.runtime import bootstrap
from shared.stripe_gateway import gateway_for
from shared.ticket_requests import Approval, Rejection
from shared.tickets import (
    TicketList,
    TicketStatus,
    TicketView,
    approve_ticket,
    find_ticket,
    reject_ticket,
    support_queue,
    ticket_view,
)

app = create_app()


@app.post("/v1/support/accounts", status_code=201)
def create_agent_account(new_account: NewAccount) -> AccountView:
    require_support(app.current_event)
    if account_exists(new_account.account_id):
        raise Conflict(f"Account {new_account.account_id} already exists.")
    customer_id = new_account.stripe_customer_id or gateway_for(bootstrap()).create_customer(
        email=new_account.email, name=new_account.name, account_id=new_account.account_id
    )
    account = create_account(new_account, customer_id)
    return account_view(account)


@app.post("/v1/support/leads")
def upsert_agent_leads(upsert: LeadUpsert) -> dict[str, int]:
    require_support(app.current_event)
    return {"upserted": upsert_leads(upsert)}


@app.get("/v1/support/accounts/<account_id>/leads")
def list_agent_leads(
    account_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LeadPage:
    require_support(app.current_event)
    return agent_leads(account_id, limit=limit, cursor=cursor, key=bootstrap().cursor_signing_key())


@app.get("/v1/support/tickets")
def list_tickets(
    status: TicketStatus = "open",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> TicketList:
    require_support(app.current_event)
    return support_queue(status, limit=limit, cursor=cursor, key=bootstrap().cursor_signing_key())


@app.get("/v1/support/tickets/<ticket_id>")
def get_ticket(ticket_id: str) -> TicketView:
    require_support(app.current_event)
    return ticket_view(find_ticket(ticket_id))


@app.post("/v1/support/tickets/<ticket_id>/approve", status_code=202)
def approve(ticket_id: str, approval: Approval) -> TicketView:
    principal = require_support(app.current_event)
    settings = bootstrap()
    ticket = approve_ticket(
        ticket_id,
        approval,
        principal,
        stripe=gateway_for(settings),
        enqueue=partial(send_message, settings, settings.reassignment_queue_url),
    )
    return ticket_view(ticket)


@app.post("/v1/support/tickets/<ticket_id>/reject")
def reject(ticket_id: str, rejection: Rejection) -> TicketView:
    principal = require_support(app.current_event)
    return ticket_view(reject_ticket(ticket_id, rejection, principal))


lambda_handler = http_handler(app)
