"""Paying invoices with the card on file.

Two doors: "Pay now" / "Complete payment" for one invoice (`pay_invoice`, behind
POST /v1/billing/invoices/{invoice_id}/pay), and "Submit Payment" after a card update, which pays
every open invoice with the new card (`pay_open_invoices`, called by shared.billing.cards).

A payment attempt ends in one of three ways, and the agent is told which:
- paid;
- requires_action: the bank wants the agent to authenticate (3-D Secure / SCA). The invoice's
  PaymentIntent holds the client_secret the page hands to Stripe.js `confirmCardPayment`. This is
  never reported as a decline;
- failed: a decline, with the bank's message (the PaymentIntent's `last_payment_error`).
Real Stripe answers both a payment that needs authentication (code
`invoice_payment_intent_requires_action`) and a decline with a 402; localstripe answers both with
the invoice still open. Either way the invoice's PaymentIntent says which it was, so we read it.

A retry never charges twice: an invoice Stripe reports paid is answered `paid` without a charge;
one whose payment awaits authentication is answered with that same PaymentIntent (no new
attempt); and each Invoice.pay carries an idempotency key naming the invoice, the card and the
payment state it started from (plus the client's `Idempotency-Key` when it sends one), so a
retried request is the same Stripe request (real Stripe replays its answer; localstripe answers
"already paid", which the gateway reads as paid).

No pydantic here: the pay route answers with TypedDicts, so it costs card_update's cold start
only this module (the card update's models and Powertools idempotency stay in `cards`)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict

import stripe

from shared.billing.invoices.listing import INVOICE_ID, InvoiceView, find_invoice, invoice_view
from shared.billing.invoices.sync import SyncResult, apply_invoice
from shared.config import Settings
from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.errors import (
    CardDeclined,
    InvalidRequest,
    InvoiceNotFinalized,
    InvoiceNotPayable,
    NoCardOnFile,
    NotFound,
    PaymentProviderUnavailable,
)
from shared.observability import logger, metrics
from shared.stripe.gateway import StripeGateway
from shared.stripe.reads import GatewayReads, StripeMapping, StripeReads, as_mapping

InvoiceListener = Callable[[stripe.Invoice], None]

PAYABLE_STATUSES = frozenset({"open", "uncollectible"})  # Stripe can pay both
# "requires_source_action" is the older API's name for the same state.
AUTHENTICATION_STATUSES = frozenset({"requires_action", "requires_source_action"})
DECLINED = "Your card was declined."
NO_CARD = "There is no card on file. Add one with Update Credit Card."
CLIENT_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,200}")


class PaymentOutcome(StrEnum):
    PAID = "paid"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """Where an invoice's payment stands after we asked Stripe (or found it settled)."""

    invoice: stripe.Invoice
    outcome: PaymentOutcome
    client_secret: str | None = None
    message: str | None = None


class InvoicePayment(TypedDict):
    outcome: Literal["paid", "requires_action"]
    invoice: InvoiceView
    client_secret: NotRequired[str]


@dataclass
class SubmittedPayments:
    """What "Submit Payment" did to each open invoice."""

    paid: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (invoice id, bank's message)
    requiring_action: list[tuple[str, str]] = field(default_factory=list)  # (id, client_secret)


# ---------------------------------------------------------------- reading an attempt


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def current_payment_intent(invoice: stripe.Invoice, reads: StripeReads) -> StripeMapping | None:
    """The invoice's PaymentIntent now: on the invoice in older API versions (and localstripe),
    among its payments in current ones."""
    fields = as_mapping(invoice)
    if "payment_intent" in fields:
        intent = fields.get("payment_intent")
        if isinstance(intent, Mapping):
            return intent
        return reads.retrieve_payment_intent(intent) if isinstance(intent, str) and intent else None
    return reads.latest_invoice_payment_intent(str(fields["id"]))


def awaiting_authentication(intent: StripeMapping | None) -> str | None:
    """The client_secret of a PaymentIntent that waits for the customer to authenticate."""
    if intent is None or intent.get("status") not in AUTHENTICATION_STATUSES:
        return None
    return _text(intent.get("client_secret"))


def outcome_of(
    invoice: stripe.Invoice, reads: StripeReads, *, declined_message: str | None = None
) -> Attempt:
    if invoice.status == "paid":
        return Attempt(invoice, PaymentOutcome.PAID)
    intent = current_payment_intent(invoice, reads)
    client_secret = awaiting_authentication(intent)
    if client_secret is not None:
        return Attempt(invoice, PaymentOutcome.REQUIRES_ACTION, client_secret=client_secret)
    error = (intent or {}).get("last_payment_error")
    bank_message = _text(error.get("message")) if isinstance(error, Mapping) else None
    return Attempt(
        invoice, PaymentOutcome.FAILED, message=bank_message or declined_message or DECLINED
    )


def attempt_payment(
    invoice_id: str, gateway: StripeGateway, reads: StripeReads, *, idempotency_key: str
) -> Attempt:
    """One Invoice.pay with the customer's default card, and what became of it."""
    try:
        invoice = gateway.pay_invoice(invoice_id, idempotency_key=idempotency_key)
    except CardDeclined as declined:
        # Real Stripe: a decline, or a payment that needs the customer (a 402 either way).
        attempt = outcome_of(
            gateway.retrieve_invoice(invoice_id), reads, declined_message=declined.message
        )
    else:
        attempt = outcome_of(invoice, reads)
    if attempt.outcome is PaymentOutcome.PAID:
        metrics.add_metric(name="InvoicesPaid", unit="Count", value=1)
    logger.info(
        "invoice payment attempted", extra={"invoice_id": invoice_id, "outcome": attempt.outcome}
    )
    return attempt


# ---------------------------------------------------------------- the read model


def record_invoice(settings: Settings, reads: StripeReads, invoice: stripe.Invoice) -> SyncResult:
    """Brings our read model up to the invoice Stripe just returned, so the agent sees it at
    once; the webhook that follows finds nothing newer to apply."""
    return apply_invoice(
        invoice,
        event_created=int(time.time()),
        event_id=None,
        event_type=None,
        settings=settings,
        reads=reads,
    )


def invoice_recorder(settings: Settings, gateway: StripeGateway) -> InvoiceListener:
    reads = GatewayReads(gateway)

    def record(invoice: stripe.Invoice) -> None:
        record_invoice(settings, reads, invoice)

    return record


def _recorded(
    settings: Settings, reads: StripeReads, account_id: str, invoice: stripe.Invoice
) -> InvoiceModel:
    # Not applied: what we hold is already as new (a webhook got there first).
    return record_invoice(settings, reads, invoice).invoice or find_invoice(account_id, invoice.id)


# ---------------------------------------------------------------- Submit Payment


def pay_open_invoices(
    customer_id: str,
    payment_method_id: str,
    gateway: StripeGateway,
    on_invoice_changed: InvoiceListener | None = None,
) -> SubmittedPayments:
    """Pays every open invoice, oldest first, with the card just made the default."""
    reads = GatewayReads(gateway)
    submitted = SubmittedPayments()
    open_invoices = [inv for inv in gateway.customer_invoices(customer_id) if inv.status == "open"]
    for invoice in sorted(open_invoices, key=lambda inv: inv.created):
        try:
            attempt = attempt_payment(
                invoice.id, gateway, reads, idempotency_key=f"pay-{invoice.id}-{payment_method_id}"
            )
        except PaymentProviderUnavailable as outage:
            submitted.failed.append((invoice.id, outage.message))
            continue
        if attempt.outcome is PaymentOutcome.PAID:
            submitted.paid.append(invoice.id)
        elif attempt.outcome is PaymentOutcome.REQUIRES_ACTION and attempt.client_secret:
            submitted.requiring_action.append((invoice.id, attempt.client_secret))
        else:
            submitted.failed.append((invoice.id, attempt.message or DECLINED))
        if on_invoice_changed is not None:
            on_invoice_changed(attempt.invoice)
    return submitted


# ---------------------------------------------------------------- Pay now / Complete payment


def refuse_any_body(body: str | None) -> None:
    """The pay route takes no body, or `{}`: anything else is a mistake worth saying so."""
    if not body or not body.strip():
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        raise InvalidRequest("The request body is not valid JSON.") from None
    if parsed != {}:
        raise InvalidRequest("This route takes no body (or {}): it pays with the card on file.")


def _owned_invoice(
    account: AccountModel, invoice_id: str, gateway: StripeGateway
) -> stripe.Invoice:
    """The account's invoice as Stripe has it now; another customer's is NotFound, like an id
    that does not exist."""
    if not INVOICE_ID.fullmatch(invoice_id) or not account.stripe_customer_id:
        raise NotFound(f"No invoice {invoice_id[:64]}.")
    invoice = gateway.retrieve_invoice(invoice_id)
    customer = invoice.customer
    customer_id = customer if isinstance(customer, str) else getattr(customer, "id", None)
    if customer_id != account.stripe_customer_id:
        raise NotFound(f"No invoice {invoice_id[:64]}.")
    return invoice


def _card_on_file(account: AccountModel, gateway: StripeGateway) -> str:
    """The default card's id: our copy, or Stripe's when ours has none yet (a card set outside
    our API reaches the read model with its webhook)."""
    if account.card is not None and account.card.payment_method_id:
        return str(account.card.payment_method_id)
    assert account.stripe_customer_id is not None
    customer = gateway.retrieve_customer(account.stripe_customer_id)
    invoice_settings = getattr(customer, "invoice_settings", None)
    method = getattr(invoice_settings, "default_payment_method", None)
    method_id = method if isinstance(method, str) else getattr(method, "id", None)
    source = getattr(customer, "default_source", None)
    source_id = source if isinstance(source, str) else getattr(source, "id", None)
    if not (method_id or source_id):
        raise NoCardOnFile(NO_CARD)
    return str(method_id or source_id)


def _idempotency_key(
    invoice_id: str, card_id: str, intent: StripeMapping | None, client_key: str | None
) -> str:
    """The same request from the same payment state is the same Stripe request. Once Stripe has
    recorded an outcome (a new charge, a new PaymentIntent, a new error) the state differs, so a
    fresh click is a fresh attempt rather than a replay of the last decline."""
    intent = intent or {}
    error = intent.get("last_payment_error")
    state = [
        invoice_id,
        card_id,
        str(intent.get("id") or ""),
        str(intent.get("latest_charge") or ""),
        str(intent.get("status") or ""),
        str(error.get("code") or "") if isinstance(error, Mapping) else "",
        client_key or "",
    ]
    digest = hashlib.sha256("|".join(state).encode()).hexdigest()[:32]
    return f"pay-now-{invoice_id}-{digest}"


def _settle(
    account: AccountModel,
    invoice: stripe.Invoice,
    gateway: StripeGateway,
    reads: StripeReads,
    client_key: str | None,
) -> Attempt:
    if invoice.status == "paid":
        return Attempt(invoice, PaymentOutcome.PAID)  # already paid: charges nothing
    if invoice.status == "draft":
        raise InvoiceNotFinalized("This invoice is still a draft; it cannot be paid yet.")
    if invoice.status not in PAYABLE_STATUSES:
        raise InvoiceNotPayable(f"This invoice is {invoice.status}; there is nothing to pay.")
    intent = current_payment_intent(invoice, reads)
    client_secret = awaiting_authentication(intent)
    if client_secret is not None:
        # Still waiting for the agent: the same authentication again, never a second attempt.
        return Attempt(invoice, PaymentOutcome.REQUIRES_ACTION, client_secret=client_secret)
    card_id = _card_on_file(account, gateway)
    key = _idempotency_key(invoice.id, card_id, intent, client_key)
    try:
        return attempt_payment(invoice.id, gateway, reads, idempotency_key=key)
    except NotFound:
        # localstripe: "This customer has no payment method" (the card went meanwhile).
        raise NoCardOnFile(NO_CARD) from None


def pay_invoice(
    settings: Settings,
    account: AccountModel,
    invoice_id: str,
    gateway: StripeGateway,
    *,
    client_key: str | None = None,
) -> InvoicePayment:
    """Pays one invoice now with the card on file (cancelled accounts too: they keep paying
    what they owe). Paid or waiting for authentication is an answer; a decline is a 402 with
    the bank's message, and the invoice reads `failed`. Either way our read model is updated
    from Stripe's answer before we reply."""
    if client_key is not None and not CLIENT_KEY.fullmatch(client_key):
        raise InvalidRequest("Idempotency-Key: 1 to 200 letters, digits, or _ - : .")
    invoice = _owned_invoice(account, invoice_id, gateway)
    reads = GatewayReads(gateway)
    attempt = _settle(account, invoice, gateway, reads, client_key)
    stored = _recorded(settings, reads, account.account_id, attempt.invoice)
    if attempt.outcome is PaymentOutcome.FAILED:
        raise CardDeclined(attempt.message or DECLINED)
    answer = InvoicePayment(
        outcome="paid" if attempt.outcome is PaymentOutcome.PAID else "requires_action",
        invoice=invoice_view(stored),
    )
    if attempt.client_secret:
        answer["client_secret"] = attempt.client_secret
    return answer
