"""The agent's cancellation tickets: POST/GET /v1/account/cancellation-tickets and
DELETE /v1/account/cancellation-tickets/{ticket_id}."""

from shared.api import create_app, http_handler
from shared.auth import require_agent
from shared.tickets import (
    NewTicket,
    TicketList,
    TicketView,
    open_ticket,
    ticket_view,
    tickets_of,
    withdraw_ticket,
)

app = create_app()


@app.post("/v1/account/cancellation-tickets", status_code=201)
def open_cancellation_ticket(request: NewTicket) -> TicketView:
    account = require_agent(app.current_event)
    return ticket_view(open_ticket(account, request))


@app.get("/v1/account/cancellation-tickets")
def list_cancellation_tickets() -> TicketList:
    account = require_agent(app.current_event)
    return TicketList(tickets=[ticket_view(ticket) for ticket in tickets_of(account.account_id)])


@app.delete("/v1/account/cancellation-tickets/<ticket_id>")
def withdraw_cancellation_ticket(ticket_id: str) -> TicketView:
    account = require_agent(app.current_event)
    return ticket_view(withdraw_ticket(account.account_id, ticket_id))


lambda_handler = http_handler(app)
