"""The webhook request path (functions/stripe_webhook), answered at once.

The signature is verified (`shared.webhooks.verify`), then one durable write: the verified
body goes to the Stripe events queue (event id and type as message attributes). If the queue
does not take it the answer is 503 and Stripe retries. No DynamoDB, no Stripe call: only our
webhook can send to that queue, so its messages are verified events. The consumer that applies
them is `shared.webhooks.dispatch`, which this path never imports."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.config import Settings
from shared.data.queues import sqs_client
from shared.errors import ServiceUnavailable
from shared.observability import logger
from shared.webhooks.verify import StripeEvent, event_reference, verified_body

EVENT_ID_ATTRIBUTE = "event_id"
EVENT_TYPE_ATTRIBUTE = "event_type"
# SQS takes at most 256 KiB a message, attributes included. A larger event (an invoice with
# many lines) is queued by reference and read back from Stripe's Events API by the consumer.
MAX_QUEUED_BODY_BYTES = 250_000


def queue_event(settings: Settings, event: StripeEvent, body: str, sqs: Any = None) -> None:
    """Sends the verified event to its consumer; ServiceUnavailable when the queue refuses."""
    log_fields = {"event_id": event.id, "event_type": event.type}
    if not settings.stripe_events_queue_url:
        logger.error("no Stripe events queue configured; event refused", extra=log_fields)
        raise ServiceUnavailable("Stripe events cannot be accepted right now; retry later.")
    if len(body.encode("utf-8")) > MAX_QUEUED_BODY_BYTES:
        body = json.dumps(event_reference(event))
        logger.info("large Stripe event queued by reference", extra=log_fields)
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
