"""Catch-up: the events the webhooks never delivered, read from Stripe's Events API.

Webhooks are the fast path, not the only one: a delivery can be dead-lettered, or missed in an
outage longer than Stripe's three days of retries. On a schedule (and on support's request) the
catch-up lists every event created since its checkpoint, minus an overlap (Stripe may make an
event listable a little after its `created`), and passes each, oldest first, through the same
exactly-once consumer as the webhook (shared.webhooks.dispatch): an event already applied is
one failed conditional put and nothing more.

The checkpoint (SyncState table) moves only past events that were applied: after a full run to
the moment the listing began; after a run cut short by its time budget or a failure, to the
last event applied, so the next run resumes there. A checkpoint older than Stripe keeps events
(30 days) is a gap no catch-up can fill: it is logged, counted, and the operations view
recommends a resync of every account."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pynamodb.exceptions import UpdateError

from shared.data.conditions import condition_failed
from shared.data.tables.stripe_sync import SyncStateModel
from shared.observability import logger, metrics
from shared.stripe.history import StripeHistory
from shared.stripe.reads import StripeMapping
from shared.sync.checkpoint import CHECKPOINT, load_state
from shared.timeutil import utc_now
from shared.webhooks.dispatch import WebhookContext, process_event
from shared.webhooks.ledger import EventOutcome
from shared.webhooks.verify import event_from

OVERLAP_SECONDS = 300
STRIPE_EVENT_RETENTION = timedelta(days=30)
# Stop applying events this long before the time budget ends, and save the checkpoint.
SAFETY_MARGIN_SECONDS = 5.0


@dataclass
class CatchUpResult:
    events_seen: int
    events_applied: int
    checkpoint: int
    finished: bool
    gap_detected: bool


def run_catch_up(
    *,
    history: StripeHistory,
    context: WebhookContext,
    seconds_left: Callable[[], float],
    interval_seconds: float,
    clock: Callable[[], float] = time.time,
) -> CatchUpResult:
    """`interval_seconds`: how often the schedule runs it; the lag is also reported in
    intervals, which the template's alarm watches (more than two: behind or not running)."""
    state = load_state()
    listing_began = int(clock())
    oldest_listable = listing_began - int(STRIPE_EVENT_RETENTION.total_seconds())
    gap = 0 < int(state.checkpoint) < oldest_listable
    if gap:
        logger.warning(
            "catch-up checkpoint older than Stripe keeps events; resync every account",
            extra={"checkpoint": int(state.checkpoint)},
        )
        metrics.add_metric(name="CatchUpGapBeyondRetention", unit=MetricUnit.Count, value=1)
    start = max(int(state.checkpoint) - OVERLAP_SECONDS, oldest_listable)
    # Stripe lists newest first; events are applied oldest first so the checkpoint can follow.
    newest_first: list[StripeMapping] = [
        event for page in history.events_since(start) for event in page
    ]
    checkpoint, applied, finished = int(state.checkpoint), 0, True
    for raw in reversed(newest_first):
        if seconds_left() < SAFETY_MARGIN_SECONDS:
            finished = False
            break
        event = event_from(raw)
        try:
            outcome = process_event(event, context, replayed=True)
        except Exception:
            logger.exception("catch-up stopped at an event it could not apply")
            finished = False
            break
        applied += outcome.outcome != EventOutcome.DUPLICATE
        checkpoint = max(checkpoint, event.created)
    if finished:
        checkpoint = max(checkpoint, listing_began)
    result = CatchUpResult(len(newest_first), applied, checkpoint, finished, gap)
    _save(result, gap=gap)
    lag = max(0, int(clock()) - checkpoint)
    metrics.add_metric(name="CatchUpLagSeconds", unit=MetricUnit.Seconds, value=lag)
    metrics.add_metric(
        name="CatchUpLagIntervals", unit=MetricUnit.Count, value=lag / interval_seconds
    )
    metrics.add_metric(name="CatchUpEventsApplied", unit=MetricUnit.Count, value=applied)
    logger.info("catch-up ran", extra={**result.__dict__, "lag_seconds": lag})
    return result


def _save(result: CatchUpResult, *, gap: bool) -> None:
    now = utc_now()
    actions: list[Any] = [
        SyncStateModel.checkpoint.set(result.checkpoint),
        SyncStateModel.last_run_at.set(now),
        SyncStateModel.events_seen.set(result.events_seen),
        SyncStateModel.events_applied.set(result.events_applied),
    ]
    if gap:
        actions.append(SyncStateModel.gap_detected_at.set(now))
    # Never backwards: two runs at once (schedule and support) keep the further checkpoint.
    condition = SyncStateModel.checkpoint.does_not_exist() | (
        SyncStateModel.checkpoint <= result.checkpoint
    )
    try:
        SyncStateModel(CHECKPOINT).update(actions=actions, condition=condition)
    except UpdateError as error:
        if not condition_failed(error):
            raise
