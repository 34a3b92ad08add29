"""The Stripe events consumer (functions/stripe_events): each verified event is claimed in
the ledger (`shared.webhooks.ledger`) and applied to the read model once
(shared.billing.invoices.sync, shared.accounts.sync). Those writes carry their own ordering
guards, so order of arrival does not matter. Unknown event types and unknown customers are
acknowledged and recorded as `ignored`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.accounts.sync import (
    CardRefresh,
    account_for_customer,
    apply_subscription,
    refresh_card,
)
from shared.accounts.sync import stored_payment_method_id as stored_card_id
from shared.billing.invoices.sync import SyncOutcome, apply_invoice, delete_draft_invoice
from shared.config import Settings
from shared.errors import NotFound
from shared.observability import logger
from shared.stripe.reads import StripeReads, object_id
from shared.webhooks.ledger import EventOutcome, Outcome, claim, count_duplicate, finish, new_record
from shared.webhooks.verify import StripeEvent, event_from, parse_event, referenced_event_id


class WebhookContext:
    """What applying an event needs: settings, and Stripe reads created only when used."""

    def __init__(
        self, settings: Settings, reads_factory: Callable[[], StripeReads] | None = None
    ) -> None:
        self.settings = settings
        self._reads_factory = reads_factory
        self._reads: StripeReads | None = None

    def reads(self) -> StripeReads:
        if self._reads is None:
            if self._reads_factory is None:
                from shared.stripe.gateway import gateway_for
                from shared.stripe.reads import GatewayReads

                self._reads = GatewayReads(gateway_for(self.settings))
            else:
                self._reads = self._reads_factory()
        return self._reads


EventHandler = Callable[[StripeEvent, WebhookContext], Outcome]


def _unknown_customer(customer_id: str | None) -> Outcome:
    logger.warning("Stripe event for a customer we do not know", extra={"customer": customer_id})
    return Outcome(EventOutcome.IGNORED, f"unknown customer {customer_id}")


def _invoice_event(event: StripeEvent, context: WebhookContext) -> Outcome:
    invoice: Any = event.object
    if invoice.get("status") == "draft":
        # A draft snapshot is often already out of date (finalized and attempted a moment
        # later; localstripe even sends no later event for a first failed attempt): read the
        # invoice as it is now. Later states arrive as non-draft snapshots and need no read.
        try:
            invoice = context.reads().retrieve_invoice(str(invoice["id"]))
        except NotFound:
            return Outcome(EventOutcome.IGNORED, "invoice no longer exists in Stripe")
    result = apply_invoice(
        invoice,
        event_created=event.created,
        event_id=event.id,
        event_type=event.type,
        settings=context.settings,
        reads=context.reads(),
    )
    if result.outcome == SyncOutcome.UNKNOWN_CUSTOMER:
        return _unknown_customer(object_id(event.object.get("customer")))
    if result.outcome == SyncOutcome.STALE:
        return Outcome(
            EventOutcome.IGNORED, "an equal or newer state of the invoice is already stored"
        )
    stored = result.invoice
    detail = f"invoice {stored.status}/{stored.payment_status}" if stored is not None else None
    if result.render_queued:
        detail = f"{detail}; PDF queued"
    return Outcome(EventOutcome.PROCESSED, detail)


def _invoice_deleted(event: StripeEvent, _: WebhookContext) -> Outcome:
    outcome = delete_draft_invoice(event.object)
    if outcome == SyncOutcome.UNKNOWN_CUSTOMER:
        return _unknown_customer(object_id(event.object.get("customer")))
    if outcome == SyncOutcome.STALE:
        return Outcome(EventOutcome.IGNORED, "the stored invoice is not a draft")
    return Outcome(EventOutcome.PROCESSED, "draft invoice removed")


def _subscription_event(event: StripeEvent, _: WebhookContext) -> Outcome:
    customer_id = object_id(event.object.get("customer"))
    account = account_for_customer(customer_id)
    if account is None:
        return _unknown_customer(customer_id)
    if not apply_subscription(account, event.object, event_created=event.created):
        return Outcome(EventOutcome.IGNORED, "stale, or not the subscription this account follows")
    return Outcome(EventOutcome.PROCESSED, f"subscription {event.object.get('status')}")


def _card_outcome(result: CardRefresh) -> Outcome:
    if result == CardRefresh.STALE:
        return Outcome(EventOutcome.IGNORED, "a newer customer event is already applied")
    return Outcome(EventOutcome.PROCESSED, result)


def _customer_updated(event: StripeEvent, context: WebhookContext) -> Outcome:
    account = account_for_customer(object_id(event.object))
    if account is None:
        return _unknown_customer(object_id(event.object))
    settings = event.object.get("invoice_settings") or {}
    if object_id(settings.get("default_payment_method")) == stored_card_id(account):
        return Outcome(EventOutcome.PROCESSED, "default card unchanged")
    return _card_outcome(refresh_card(account, context.reads(), event_created=event.created))


def _payment_method_event(event: StripeEvent, context: WebhookContext) -> Outcome:
    payment_method_id = object_id(event.object)
    detached = event.type == "payment_method.detached"
    customer_id = object_id(event.object.get("customer"))
    if detached:
        customer_id = customer_id or object_id(event.previous_attributes.get("customer"))
    account = account_for_customer(customer_id)
    if account is None:
        return _unknown_customer(customer_id)
    is_our_card = payment_method_id == stored_card_id(account)
    if not is_our_card and (detached or account.card is not None):
        return Outcome(EventOutcome.PROCESSED, "not the account's default card")
    result = refresh_card(
        account,
        context.reads(),
        event_created=event.created,
        detached_payment_method_id=payment_method_id if detached else None,
    )
    return _card_outcome(result)


def _setup_intent_succeeded(event: StripeEvent, context: WebhookContext) -> Outcome:
    customer_id = object_id(event.object.get("customer"))
    account = account_for_customer(customer_id)
    if account is None:
        return _unknown_customer(customer_id)
    if object_id(event.object.get("payment_method")) == stored_card_id(account):
        return Outcome(EventOutcome.PROCESSED, "card already on file")
    # The card becomes the default through PUT /v1/billing/card (or the Stripe dashboard);
    # follow whatever Stripe's default is now.
    return _card_outcome(refresh_card(account, context.reads(), event_created=event.created))


INVOICE_EVENTS = (
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "invoice.voided",
    "invoice.marked_uncollectible",
)
HANDLERS: dict[str, EventHandler] = {
    **dict.fromkeys(INVOICE_EVENTS, _invoice_event),
    "invoice.deleted": _invoice_deleted,
    "customer.subscription.created": _subscription_event,
    "customer.subscription.updated": _subscription_event,
    "customer.subscription.deleted": _subscription_event,
    "customer.updated": _customer_updated,
    "payment_method.attached": _payment_method_event,
    "payment_method.updated": _payment_method_event,
    "payment_method.detached": _payment_method_event,
    "setup_intent.succeeded": _setup_intent_succeeded,
}


def process_event(
    event: StripeEvent, context: WebhookContext, *, replayed: bool = False
) -> Outcome:
    """Applies a verified event exactly once and records what happened; raises (after
    recording `failed`) when it could not be applied, so the delivery is retried. `replayed`:
    the catch-up read it from Stripe's Events API (see ledger.count_duplicate)."""
    log_fields = {"event_id": event.id, "event_type": event.type}
    handler = HANDLERS.get(event.type)
    if handler is None:
        if not claim(
            new_record(event, EventOutcome.IGNORED, "unhandled event type"), allow_retry=False
        ):
            return count_duplicate(event, replayed=replayed)
        logger.info("unhandled Stripe event type acknowledged", extra=log_fields)
        return Outcome(EventOutcome.IGNORED, "unhandled event type")
    if not claim(new_record(event, EventOutcome.PROCESSING, None), allow_retry=True):
        return count_duplicate(event, replayed=replayed)
    try:
        outcome = handler(event, context)
    except Exception as error:
        logger.exception("Stripe event failed; its message will be redelivered", extra=log_fields)
        finish(event, Outcome(EventOutcome.FAILED, type(error).__name__))
        raise
    finish(event, outcome)
    logger.info("Stripe event applied", extra={**log_fields, "outcome": outcome.outcome})
    return outcome


def process_event_message(body: str, context: WebhookContext) -> Outcome:
    """The consumer: one message of the Stripe events queue, a body `accept_webhook` verified
    or, for an event too large for SQS, its id (read back from Stripe's Events API)."""
    event_id = referenced_event_id(body)
    if event_id is not None:
        return process_event(event_from(context.reads().retrieve_event(event_id)), context)
    return process_event(parse_event(body), context)
