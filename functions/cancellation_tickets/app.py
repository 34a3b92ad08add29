"""The agent's cancellation tickets: POST/GET /v1/account/cancellation-tickets and
DELETE /v1/account/cancellation-tickets/{ticket_id}.

Only POST validates a body; listing and withdrawing never load pydantic (see create_app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.cancellation.tickets import (
    TicketList,
    TicketView,
    open_ticket,
    ticket_view,
    tickets_of,
    withdraw_ticket,
)
from shared.http.app import create_app, http_handler, lazy_module
from shared.http.auth import require_agent

if TYPE_CHECKING:
    from shared.cancellation import requests as ticket_requests
else:
    ticket_requests = lazy_module("shared.cancellation.requests")

app = create_app()


@app.post("/v1/account/cancellation-tickets", status_code=201, enable_validation=True)
def open_cancellation_ticket(request: ticket_requests.NewTicket) -> TicketView:
    account = require_agent(app.current_event)
    return ticket_view(open_ticket(account, request))


@app.get("/v1/account/cancellation-tickets")
def list_cancellation_tickets() -> TicketList:
    account = require_agent(app.current_event)
    tickets = [ticket_view(ticket) for ticket in tickets_of(account.account_id)]
    return TicketList(tickets=tickets, next_cursor=None)


@app.delete("/v1/account/cancellation-tickets/<ticket_id>")
def withdraw_cancellation_ticket(ticket_id: str) -> TicketView:
    account = require_agent(app.current_event)
    return ticket_view(withdraw_ticket(account.account_id, ticket_id))


lambda_handler = http_handler(app)
