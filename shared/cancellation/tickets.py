"""Cancellation tickets: the agent opens or withdraws one, support approves or rejects it.

Every state change moves the ticket and the account together in one DynamoDB transaction, each
side conditional on the state it expects, so the two can never disagree:

    ticket open        <-> account cancellation_requested   (open / withdraw / reject)
    ticket processing  <-> account cancelled, out of every territory   (approve)

"One open ticket per account" is guarded by the account: opening a ticket requires the account
to be `active`, and the same transaction makes it `cancellation_requested`."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, cast, get_args

from pynamodb.exceptions import TransactWriteError

from shared.data.conditions import transaction_condition_failed
from shared.data.connection import transaction
from shared.data.tables.accounts import (
    ACTIVE,
    CANCELLATION_REQUESTED,
    CANCELLED,
    AccountModel,
    TerritoryAgentModel,
)
from shared.data.tables.tickets import ReassignmentProgress, TicketModel
from shared.errors import Conflict, Forbidden, NotFound, TicketAlreadyOpen
from shared.http.auth import Principal
from shared.http.pagination import signed_page
from shared.timeutil import iso, utc_now

if TYPE_CHECKING:
    from shared.cancellation.requests import Approval, NewTicket, Rejection

# Ticket statuses (API.md): open -> processing -> completed | open -> withdrawn | open -> rejected
OPEN = "open"
PROCESSING = "processing"
COMPLETED = "completed"
WITHDRAWN = "withdrawn"
REJECTED = "rejected"

TicketStatus = Literal["open", "processing", "completed", "withdrawn", "rejected"]
TICKET_STATUSES: tuple[str, ...] = get_args(TicketStatus)
Reason = Literal[
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "too_complex",
    "low_quality",
    "other",
]
Effective = Literal["immediately", "period_end"]

CONSEQUENCES = (
    "You will lose access to the platform as soon as support approves the cancellation.",
    "You will lose access to predictive sellers and to your leads.",
    "Any leads generated for you will be reassigned to another agent who serves their territory.",
    "Your subscription will be cancelled; your invoices stay available to download.",
)

# The job message the reassignment consumer receives.
Enqueue = Callable[[dict[str, str]], object]


# Views are TypedDicts: listing or withdrawing a ticket never loads pydantic (see create_app).
class ReassignmentView(TypedDict):
    total: int
    reassigned: int
    unassigned: int


class TicketView(TypedDict):
    id: str
    account_id: str
    status: TicketStatus
    reason: Reason
    comment: str | None
    created: str
    updated_at: str | None
    consequences: list[str]
    effective: Effective | None
    decided_by: str | None
    note: str | None
    reassignment: ReassignmentView | None


class TicketList(TypedDict):
    tickets: list[TicketView]
    next_cursor: str | None


def ticket_view(ticket: TicketModel) -> TicketView:
    progress = ticket.reassignment
    return TicketView(
        id=ticket.ticket_id,
        account_id=ticket.account_id,
        # The data layer writes only the documented values (TicketStatus, Reason, Effective).
        status=cast(TicketStatus, ticket.status),
        reason=cast(Reason, ticket.reason),
        comment=ticket.comment,
        created=ticket.created,
        updated_at=iso(ticket.updated_at),
        consequences=list(CONSEQUENCES),
        effective=cast(Effective | None, ticket.effective),
        decided_by=ticket.decided_by,
        note=ticket.note,
        reassignment=None
        if progress is None
        else ReassignmentView(
            total=int(progress.total),
            reassigned=int(progress.reassigned),
            unassigned=int(progress.unassigned),
        ),
    )


def new_ticket_id() -> str:
    """Time-ordered (hex milliseconds) so the account's partition sorts newest last."""
    return f"tkt_{int(time.time() * 1000):012x}{secrets.token_hex(5)}"


# ------------------------------------------------------------------------------ agent side


def open_ticket(account: AccountModel, request: NewTicket) -> TicketModel:
    now = utc_now()
    ticket = TicketModel(
        account.account_id,
        new_ticket_id(),
        status=OPEN,
        reason=request.reason,
        comment=request.comment or None,
        created=iso(now),
        updated_at=now,
    )
    try:
        with transaction() as write:
            write.save(ticket, condition=TicketModel.ticket_id.does_not_exist())
            write.update(
                AccountModel(account.account_id),
                actions=[
                    AccountModel.status.set(CANCELLATION_REQUESTED),
                    AccountModel.updated_at.set(now),
                ],
                condition=AccountModel.status == ACTIVE,
            )
    except TransactWriteError as error:
        if not transaction_condition_failed(error):
            raise
        existing = open_ticket_of(account.account_id)
        if existing is not None:
            raise TicketAlreadyOpen(
                "This account already has an open cancellation ticket.",
                ticket_id=existing.ticket_id,
            ) from None
        raise Conflict("The account's state does not allow a cancellation ticket now.") from None
    return ticket


def open_ticket_of(account_id: str) -> TicketModel | None:
    for ticket in TicketModel.query(
        account_id, filter_condition=TicketModel.status == OPEN, consistent_read=True
    ):
        return ticket
    return None


def tickets_of(account_id: str) -> list[TicketModel]:
    """The account's own tickets, newest first (ticket ids are time-ordered)."""
    return list(TicketModel.query(account_id, scan_index_forward=False))


def own_ticket(account_id: str, ticket_id: str) -> TicketModel:
    """Looked up in the caller's own partition: another account's id is simply not found."""
    try:
        return TicketModel.get(account_id, ticket_id, consistent_read=True)
    except TicketModel.DoesNotExist:
        raise NotFound("No such ticket.") from None


def withdraw_ticket(account_id: str, ticket_id: str) -> TicketModel:
    ticket = own_ticket(account_id, ticket_id)
    if ticket.status != OPEN:
        raise Conflict(f"Only an open ticket can be withdrawn; this one is {ticket.status}.")
    _close_open_ticket(ticket, WITHDRAWN, decided_by=account_id, note=None)
    return own_ticket(account_id, ticket_id)


def _close_open_ticket(
    ticket: TicketModel, status: str, *, decided_by: str, note: str | None
) -> None:
    """open -> withdrawn|rejected, and the account back to active, together."""
    now = utc_now()
    actions: list[Any] = [
        TicketModel.status.set(status),
        TicketModel.updated_at.set(now),
        TicketModel.decided_by.set(decided_by),
    ]
    if note is not None:
        actions.append(TicketModel.note.set(note))
    try:
        with transaction() as write:
            write.update(ticket, actions=actions, condition=TicketModel.status == OPEN)
            write.update(
                AccountModel(ticket.account_id),
                actions=[AccountModel.status.set(ACTIVE), AccountModel.updated_at.set(now)],
                condition=AccountModel.status == CANCELLATION_REQUESTED,
            )
    except TransactWriteError as error:
        if not transaction_condition_failed(error):
            raise
        raise Conflict("The ticket changed meanwhile; it is no longer open.") from None


# ---------------------------------------------------------------------------- support side


def find_ticket(ticket_id: str) -> TicketModel:
    """Support looks a ticket up by id (index), then reads it consistently from the table."""
    for indexed in TicketModel.by_ticket_id.query(ticket_id, limit=1):
        return own_ticket(indexed.account_id, indexed.ticket_id)
    raise NotFound("No such ticket.")


def support_queue(status: str, *, limit: int, cursor: str | None, key: bytes) -> TicketList:
    """Tickets of every account in one status, oldest first: the order support works them in."""
    tickets, next_cursor = signed_page(
        lambda start: TicketModel.by_status.query(status, limit=limit, last_evaluated_key=start),
        cursor=cursor,
        scope=f"tickets:{status}",
        key=key,
    )
    return TicketList(tickets=[ticket_view(t) for t in tickets], next_cursor=next_cursor)


def reject_ticket(ticket_id: str, rejection: Rejection, principal: Principal) -> TicketModel:
    ticket = find_ticket(ticket_id)
    _refuse_own_ticket(ticket, principal)
    if ticket.status != OPEN:
        raise Conflict(f"Only an open ticket can be rejected; this one is {ticket.status}.")
    _close_open_ticket(ticket, REJECTED, decided_by=principal.subject, note=rejection.note)
    return own_ticket(ticket.account_id, ticket.ticket_id)


def _refuse_own_ticket(ticket: TicketModel, principal: Principal) -> None:
    if ticket.account_id == principal.subject:
        raise Forbidden("Nobody may decide on a cancellation ticket of their own account.")


class SubscriptionCanceller(Protocol):
    """What approval needs from Stripe (shared.stripe.gateway.StripeGateway provides it)."""

    def cancel_customer_subscriptions(
        self,
        customer_id: str,
        *,
        known_subscription_id: str | None,
        at_period_end: bool,
        idempotency_prefix: str,
    ) -> list[str]: ...


def approve_ticket(
    ticket_id: str,
    approval: Approval,
    principal: Principal,
    *,
    stripe: SubscriptionCanceller,
    enqueue: Enqueue,
) -> TicketModel:
    """Cancels the subscription in Stripe first (an outage then changes nothing here), then moves
    ticket and account in one transaction and queues the reassignment of the agent's leads.

    Approving a ticket that is already processing or completed changes nothing; for a ticket
    still processing the (idempotent) reassignment job is queued again, which is how a job lost
    between the commit and the queue is recovered."""
    ticket = find_ticket(ticket_id)
    _refuse_own_ticket(ticket, principal)
    if ticket.status in (PROCESSING, COMPLETED):
        if ticket.status == PROCESSING:
            enqueue(reassignment_job(ticket))
        return ticket
    if ticket.status != OPEN:
        raise Conflict(f"Only an open ticket can be approved; this one is {ticket.status}.")
    account = AccountModel.get(ticket.account_id, consistent_read=True)
    if account.stripe_customer_id:
        stripe.cancel_customer_subscriptions(
            account.stripe_customer_id,
            known_subscription_id=account.subscription_id,
            at_period_end=approval.effective == "period_end",
            idempotency_prefix=f"cancel-{ticket.ticket_id}",
        )
    try:
        _commit_approval(ticket, account, approval, principal)
    except TransactWriteError as error:
        if not transaction_condition_failed(error):
            raise
        current = own_ticket(ticket.account_id, ticket.ticket_id)
        if current.status in (PROCESSING, COMPLETED):  # a concurrent approval won
            return current
        raise Conflict(f"The ticket changed meanwhile; it is now {current.status}.") from None
    approved = own_ticket(ticket.account_id, ticket.ticket_id)
    enqueue(reassignment_job(approved))
    return approved


def _commit_approval(
    ticket: TicketModel, account: AccountModel, approval: Approval, principal: Principal
) -> None:
    now = utc_now()
    territories = sorted(set(account.territories or []))
    with transaction() as write:
        write.update(
            ticket,
            actions=[
                TicketModel.status.set(PROCESSING),
                TicketModel.effective.set(approval.effective),
                TicketModel.decided_by.set(principal.subject),
                TicketModel.updated_at.set(now),
                TicketModel.reassignment.set(
                    ReassignmentProgress(total=int(account.lead_count), reassigned=0, unassigned=0)
                ),
            ],
            condition=TicketModel.status == OPEN,
        )
        write.update(
            AccountModel(account.account_id),
            actions=[
                AccountModel.status.set(CANCELLED),
                AccountModel.territories.set([]),
                AccountModel.cancelled_at.set(now),
                AccountModel.updated_at.set(now),
            ],
            condition=AccountModel.status == CANCELLATION_REQUESTED,
        )
        # Leaving every territory in the same transaction: from the commit on, nobody picks this
        # agent as a candidate (an account holds at most 90 territories; 92 items <= 100).
        for territory in territories:
            write.delete(TerritoryAgentModel(territory, account.account_id))


def reassignment_job(ticket: TicketModel) -> dict[str, str]:
    return {"ticket_id": ticket.ticket_id, "account_id": ticket.account_id}
