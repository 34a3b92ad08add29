"""The WebhookEvents ledger: each Stripe event is claimed once and keeps its outcome.

The event id is claimed with one conditional PutItem: of any number of concurrent or repeated
deliveries (Stripe retries, SQS redeliveries) exactly one wins; the others are duplicates
(counted on the record). The claim of a `failed` event, or of one stuck in `processing` past
its lease, is allowed again, so a failed delivery is retried by SQS. The record keeps the
outcome (processed / duplicate / ignored / failed) for support."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pynamodb.exceptions import PutError

from shared.data.conditions import condition_failed
from shared.data.tables.webhook_events import WebhookEventModel
from shared.observability import logger, metrics
from shared.timeutil import utc_now
from shared.webhooks.verify import StripeEvent

RECORD_RETENTION = timedelta(days=90)
# Longer than the consumer's timeout (30 s) and shorter than the queue's visibility timeout
# (180 s): a claim older than this belongs to a crashed delivery, whose message comes back.
PROCESSING_LEASE = timedelta(seconds=120)


class EventOutcome(StrEnum):
    PROCESSING = "processing"
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    outcome: EventOutcome
    detail: str | None = None


def new_record(event: StripeEvent, outcome: EventOutcome, detail: str | None) -> WebhookEventModel:
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


def claim(record: WebhookEventModel, *, allow_retry: bool) -> bool:
    condition = WebhookEventModel.event_id.does_not_exist()
    if allow_retry:
        stuck_since = utc_now() - PROCESSING_LEASE
        condition = (
            condition
            | (WebhookEventModel.outcome == EventOutcome.FAILED)
            | (
                (WebhookEventModel.outcome == EventOutcome.PROCESSING)
                & (WebhookEventModel.received_at < stuck_since)
            )
        )
    try:
        record.save(condition=condition)
    except PutError as error:
        if condition_failed(error):
            return False
        raise
    return True


def count_duplicate(event: StripeEvent, *, replayed: bool) -> Outcome:
    """A delivery of an event already claimed. Stripe's retries and SQS redeliveries are
    counted on the record; a replay by the catch-up writes nothing (it re-reads every event of
    its overlap window on every run, which says nothing about delivery)."""
    if replayed:
        return Outcome(EventOutcome.DUPLICATE)
    WebhookEventModel(event.id).update(actions=[WebhookEventModel.duplicates.add(1)])
    metrics.add_metric(name="WebhookDuplicates", unit=MetricUnit.Count, value=1)
    logger.info("duplicate Stripe event", extra={"event_id": event.id, "event_type": event.type})
    return Outcome(EventOutcome.DUPLICATE)


def finish(event: StripeEvent, outcome: Outcome) -> None:
    actions: list[Any] = [WebhookEventModel.outcome.set(outcome.outcome)]
    actions.append(
        WebhookEventModel.detail.set(outcome.detail)
        if outcome.detail
        else WebhookEventModel.detail.remove()
    )
    WebhookEventModel(event.id).update(actions=actions)
