"""Stripe webhooks: verify and queue on the request path; record once and apply in the consumer.

Request path (`accept_webhook`, functions/stripe_webhook), answered at once:
1. The signature is checked over the raw body (API Gateway may hand it base64-encoded) with
   every configured secret (rotation), Stripe's 300 s tolerance; the body must be an event.
2. One durable write: the verified body goes to the Stripe events queue (event id and type as
   message attributes). If the queue does not take it the answer is 503 and Stripe retries.
   No DynamoDB, no Stripe call: only our webhook can send to that queue, so its messages are
   verified events.

Consumer (`process_event_message`, functions/stripe_events), one SQS message at a time:
3. The event id is claimed with one conditional PutItem on the WebhookEvents table: of any
   number of concurrent or repeated deliveries (Stripe retries, SQS redeliveries) exactly one
   wins; the others are duplicates (counted on the record). A delivery that failed is retried
   by SQS (the claim of a `failed` event, or of one stuck in `processing` past its lease, is
   allowed); its message alone fails, not the rest of its batch.
4. The winner applies the event to the read model (shared.invoice_sync, shared.account_sync);
   those writes carry their own ordering guards, so order of arrival does not matter.
5. The record keeps the outcome (processed / duplicate / ignored / failed) for support.

Unknown event types and unknown customers are acknowledged and recorded as `ignored`."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import stripe
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PutError

from shared.account_sync import account_for_customer, apply_subscription, refresh_card
from shared.account_sync import stored_payment_method_id as stored_card_id
from shared.config import Settings
from shared.errors import InvalidRequest, InvalidSignature, NotFound, ServiceUnavailable
from shared.invoice_sync import apply_invoice, delete_draft_invoice
from shared.models import WebhookEventModel
from shared.observability import logger, metrics
from shared.queues import sqs_client
from shared.stripe_reads import StripeMapping, StripeReads, object_id
from shared.timeutil import utc_now

SIGNATURE_TOLERANCE_SECONDS = 300
RECORD_RETENTION = timedelta(days=90)
# Longer than the consumer's timeout (30 s) and shorter than the queue's visibility timeout
# (180 s): a claim older than this belongs to a crashed delivery, whose message comes back.
PROCESSING_LEASE = timedelta(seconds=120)
EVENT_ID_ATTRIBUTE = "event_id"
EVENT_TYPE_ATTRIBUTE = "event_type"

PROCESSING = "processing"
PROCESSED = "processed"
DUPLICATE = "duplicate"
IGNORED = "ignored"
FAILED = "failed"


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    created: int
    object: StripeMapping
    previous_attributes: StripeMapping = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    outcome: str
    detail: str | None = None


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
                from shared.stripe_gateway import gateway_for
                from shared.stripe_reads import GatewayReads

                self._reads = GatewayReads(gateway_for(self.settings))
            else:
                self._reads = self._reads_factory()
        return self._reads


# ---------------------------------------------------------------- verification


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("The body is not valid base64.") from None
    return str(body).encode("utf-8")


def signature_header(event: Mapping[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "stripe-signature":
            return str(value)
    return None


def verify_signature(
    payload: bytes, header: str | None, secrets: list[str], *, tolerance: int
) -> str:
    """The payload as text once one of the secrets' signatures matches and is recent enough."""
    if not header:
        raise InvalidSignature("The Stripe-Signature header is missing.")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSignature("The payload does not match its Stripe signature.") from None
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, header, secret, tolerance)
        except stripe.SignatureVerificationError:
            continue
        return text
    raise InvalidSignature(
        "The Stripe signature does not match the payload, or its timestamp is too old."
    )


def parse_event(text: str) -> StripeEvent:
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidRequest("The webhook body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("The webhook body is not a Stripe event.")
    data = parsed.get("data")
    event_id, event_type, created = parsed.get("id"), parsed.get("type"), parsed.get("created")
    if (
        not isinstance(event_id, str)
        or not event_id
        or not isinstance(event_type, str)
        or not isinstance(created, int)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise InvalidRequest("The webhook body is not a Stripe event.")
    previous = data.get("previous_attributes")
    return StripeEvent(
        id=event_id,
        type=event_type,
        created=created,
        object=data["object"],
        previous_attributes=previous if isinstance(previous, dict) else {},
    )


def verified_body(api_event: Mapping[str, Any], secrets: list[str]) -> tuple[StripeEvent, str]:
    """The event and its body as Stripe sent it, once the signature matches."""
    text = verify_signature(
        raw_body(api_event),
        signature_header(api_event),
        secrets,
        tolerance=SIGNATURE_TOLERANCE_SECONDS,
    )
    return parse_event(text), text


def verified_event(api_event: Mapping[str, Any], secrets: list[str]) -> StripeEvent:
    return verified_body(api_event, secrets)[0]


# ---------------------------------------------------------------- the request path


def queue_event(settings: Settings, event: StripeEvent, body: str, sqs: Any = None) -> None:
    """Sends the verified event to its consumer; ServiceUnavailable when the queue refuses."""
    log_fields = {"event_id": event.id, "event_type": event.type}
    if not settings.stripe_events_queue_url:
        logger.error("no Stripe events queue configured; event refused", extra=log_fields)
        raise ServiceUnavailable("Stripe events cannot be accepted right now; retry later.")
    try:
        (sqs or sqs_client(settings)).send_message(
            QueueUrl=settings.stripe_events_queue_url,
            MessageBody=body,
            MessageAttributes={
                EVENT_ID_ATTRIBUTE: {"DataType": "String", "StringValue": event.id},
                EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": event.type},
            },
        )
    except (BotoCoreError, ClientError):
        logger.exception("Stripe event not queued; Stripe will retry it", extra=log_fields)
        raise ServiceUnavailable(
            "Stripe events cannot be accepted right now; retry later."
        ) from None


def accept_webhook(
    api_event: Mapping[str, Any], settings: Settings, sqs: Any = None
) -> StripeEvent:
    """The request path: verify the API Gateway event's body and queue it, nothing else.

    `sqs` is an SQS client (default: the shared one for `settings`)."""
    event, body = verified_body(api_event, settings.webhook_signing_secrets())
    queue_event(settings, event, body, sqs)
    return event


# ---------------------------------------------------------------- the event record


def _new_record(event: StripeEvent, outcome: str, detail: str | None) -> WebhookEventModel:
    now = utc_now()
    return WebhookEventModel(
        event.id,
        type=event.type,
        stripe_created=event.created,
        received_at=now,
        outcome=outcome,
        detail=detail,
        duplicates=0,
        expires_at=now + RECORD_RETENTION,
    )


def _put_once(record: WebhookEventModel, *, allow_retry: bool) -> bool:
    condition = WebhookEventModel.event_id.does_not_exist()
    if allow_retry:
        stuck_since = utc_now() - PROCESSING_LEASE
        condition = (
            condition
            | (WebhookEventModel.outcome == FAILED)
            | (
                (WebhookEventModel.outcome == PROCESSING)
                & (WebhookEventModel.received_at < stuck_since)
            )
        )
    try:
        record.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _count_duplicate(event: StripeEvent) -> Outcome:
    WebhookEventModel(event.id).update(actions=[WebhookEventModel.duplicates.add(1)])
    metrics.add_metric(name="WebhookDuplicates", unit=MetricUnit.Count, value=1)
    logger.info("duplicate Stripe event", extra={"event_id": event.id, "event_type": event.type})
    return Outcome(DUPLICATE)


def _finish(event: StripeEvent, outcome: Outcome) -> None:
    actions: list[Any] = [WebhookEventModel.outcome.set(outcome.outcome)]
    actions.append(
        WebhookEventModel.detail.set(outcome.detail)
        if outcome.detail
        else WebhookEventModel.detail.remove()
    )
    WebhookEventModel(event.id).update(actions=actions)


# ---------------------------------------------------------------- applying events

EventHandler = Callable[[StripeEvent, WebhookContext], Outcome]


def _unknown_customer(customer_id: str | None) -> Outcome:
    logger.warning("Stripe event for a customer we do not know", extra={"customer": customer_id})
    return Outcome(IGNORED, f"unknown customer {customer_id}")


def _invoice_event(event: StripeEvent, context: WebhookContext) -> Outcome:
    invoice: Any = event.object
    if invoice.get("status") == "draft":
        # A draft snapshot is often already out of date (finalized and attempted a moment
        # later; localstripe even sends no later event for a first failed attempt): read the
        # invoice as it is now. Later states arrive as non-draft snapshots and need no read.
        try:
            invoice = context.reads().retrieve_invoice(str(invoice["id"]))
        except NotFound:
            return Outcome(IGNORED, "invoice no longer exists in Stripe")
    result = apply_invoice(
        invoice,
        event_created=event.created,
        event_id=event.id,
        event_type=event.type,
        settings=context.settings,
        reads=context.reads(),
    )
    if result.outcome == "unknown_customer":
        return _unknown_customer(object_id(event.object.get("customer")))
    if result.outcome == "stale":
        return Outcome(IGNORED, "an equal or newer state of the invoice is already stored")
    stored = result.invoice
    detail = f"invoice {stored.status}/{stored.payment_status}" if stored is not None else None
    if result.render_queued:
        detail = f"{detail}; PDF queued"
    return Outcome(PROCESSED, detail)


def _invoice_deleted(event: StripeEvent, _: WebhookContext) -> Outcome:
    outcome = delete_draft_invoice(event.object)
    if outcome == "unknown_customer":
        return _unknown_customer(object_id(event.object.get("customer")))
    if outcome == "stale":
        return Outcome(IGNORED, "the stored invoice is not a draft")
    return Outcome(PROCESSED, "draft invoice removed")


def _subscription_event(event: StripeEvent, _: WebhookContext) -> Outcome:
    customer_id = object_id(event.object.get("customer"))
    account = account_for_customer(customer_id)
    if account is None:
        return _unknown_customer(customer_id)
    if not apply_subscription(account, event.object, event_created=event.created):
        return Outcome(IGNORED, "stale, or not the subscription this account follows")
    return Outcome(PROCESSED, f"subscription {event.object.get('status')}")


def _card_outcome(result: str) -> Outcome:
    if result == "stale":
        return Outcome(IGNORED, "a newer customer event is already applied")
    return Outcome(PROCESSED, result)


def _customer_updated(event: StripeEvent, context: WebhookContext) -> Outcome:
    account = account_for_customer(object_id(event.object))
    if account is None:
        return _unknown_customer(object_id(event.object))
    settings = event.object.get("invoice_settings") or {}
    if object_id(settings.get("default_payment_method")) == stored_card_id(account):
        return Outcome(PROCESSED, "default card unchanged")
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
        return Outcome(PROCESSED, "not the account's default card")
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
        return Outcome(PROCESSED, "card already on file")
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


def process_event(event: StripeEvent, context: WebhookContext) -> Outcome:
    """Applies a verified event exactly once and records what happened; raises (after
    recording `failed`) when it could not be applied, so the delivery is retried."""
    log_fields = {"event_id": event.id, "event_type": event.type}
    handler = HANDLERS.get(event.type)
    if handler is None:
        if not _put_once(_new_record(event, IGNORED, "unhandled event type"), allow_retry=False):
            return _count_duplicate(event)
        logger.info("unhandled Stripe event type acknowledged", extra=log_fields)
        return Outcome(IGNORED, "unhandled event type")
    if not _put_once(_new_record(event, PROCESSING, None), allow_retry=True):
        return _count_duplicate(event)
    try:
        outcome = handler(event, context)
    except Exception as error:
        logger.exception("Stripe event failed; its message will be redelivered", extra=log_fields)
        _finish(event, Outcome(FAILED, type(error).__name__))
        raise
    _finish(event, outcome)
    logger.info("Stripe event applied", extra={**log_fields, "outcome": outcome.outcome})
    return outcome


def process_event_message(body: str, context: WebhookContext) -> Outcome:
    """The consumer: one message of the Stripe events queue (a body `accept_webhook` verified)."""
    return process_event(parse_event(body), context)
