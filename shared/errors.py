"""Domain exceptions. Each carries its HTTP status and API.md error code; they are turned into
responses in exactly one place (shared.http.app)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "invalid_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class InvalidRequest(DomainError):
    status_code = 400
    code = "invalid_request"


class RawCardDataRejected(DomainError):
    status_code = 400
    code = "raw_card_data_rejected"


class InvalidCursor(DomainError):
    status_code = 400
    code = "invalid_cursor"


class InvalidSignature(DomainError):
    status_code = 400
    code = "invalid_signature"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class CardDeclined(DomainError):
    status_code = 402
    code = "card_declined"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class AccountCancelled(DomainError):
    status_code = 403
    code = "account_cancelled"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class SetupIncomplete(Conflict):
    code = "setup_incomplete"


class InvoiceNotFinalized(Conflict):
    code = "invoice_not_finalized"


class TicketAlreadyOpen(Conflict):
    code = "ticket_already_open"


class AgentNotActive(Conflict):
    """A lead can only be given to an active agent (not cancelled, no open cancellation)."""

    code = "agent_not_active"


class StripeCustomerInUse(Conflict):
    code = "stripe_customer_in_use"


class UnknownStripeCustomer(DomainError):
    status_code = 400
    code = "unknown_stripe_customer"


class NoCardOnFile(Conflict):
    code = "no_card_on_file"


class InvoiceNotPayable(Conflict):
    """Void (or otherwise closed to payment): there is nothing to pay."""

    code = "invoice_not_payable"


class PaymentProviderUnavailable(DomainError):
    status_code = 502
    code = "payment_provider_unavailable"


class ServiceUnavailable(DomainError):
    """One of our own dependencies (e.g. a queue) did not take the work; the caller retries."""

    status_code = 503
    code = "service_unavailable"
