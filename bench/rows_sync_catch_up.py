"""The Stripe catch-up over 1,000 events it has already applied (issue #14): counted, not timed.
Each event must cost exactly one DynamoDB write, its failed conditional claim (a PutItem on
WebhookEvents), and nothing else: no duplicates counter, no invoice or account write.

The events are real: localstripe's own events for a launch-day customer made in the bench
(its webhooks lost), the oldest 1,000, applied once through the consumer's door
(`shared.webhooks.dispatch.process_event`) to an account saved for the customer. Then
`shared.sync.catch_up.run_catch_up` runs over them as the schedule would, its Events API
listing answered with those 1,000 in Stripe's order (newest first, 100 a page), and every
write moto answers meanwhile is counted (`bench.moto_writes`); the run's one checkpoint save
is the run's, not any event's. Its time beside a bare loop of the same 1,000 conditional puts
(boto3, each refused) is information."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import boto3
from botocore.exceptions import ClientError

from bench.core import BenchContext, BenchRow
from bench.moto_writes import Writes, recorded_writes
from bench.sync_scene import launch_day_customer, saved_account, scratch_render_queue
from shared.config import Settings
from shared.runtime import cached_settings
from shared.stripe.gateway import StripeGateway, gateway_for
from shared.stripe.history import PAGE_SIZE, StripeHistory
from shared.stripe.reads import GatewayReads, StripeMapping
from shared.sync.catch_up import CatchUpResult, run_catch_up
from shared.webhooks.dispatch import WebhookContext, process_event
from shared.webhooks.ledger import EventOutcome
from shared.webhooks.verify import event_from

EVENTS = 1_000
# A launch-day customer with 600 invoices makes about 1,005 events (each invoice's creation,
# and a payment's two events for every third).
INVOICES = 600
REPEATS = 3  # catch-up runs, alternated with the bare loop; medians kept


class ListedEvents(StripeHistory):
    """Stripe's Events API as the catch-up reads it, answering with the given events (newest
    first, 100 a page) whatever the checkpoint: the events of this benchmark and no other."""

    def __init__(self, gateway: StripeGateway, newest_first: list[StripeMapping]) -> None:
        super().__init__(gateway)
        self.newest_first = newest_first

    def events_since(self, created_from: int) -> Iterator[list[StripeMapping]]:  # noqa: ARG002
        for start in range(0, len(self.newest_first), PAGE_SIZE):
            self.list_calls += 1
            yield self.newest_first[start : start + PAGE_SIZE]


def oldest_events(gateway: StripeGateway, since: int, count: int) -> list[StripeMapping]:
    """The `count` oldest events created at or after `since`, newest first (Stripe's order;
    localstripe lists in the order it made them)."""
    listed = [event for page in StripeHistory(gateway).events_since(since) for event in page]
    assert len(listed) >= count, f"localstripe made only {len(listed)} events"
    oldest_first = sorted(listed, key=lambda event: int(event["created"]))[:count]
    return oldest_first[::-1]


def apply_once(events: list[StripeMapping], context: WebhookContext) -> dict[str, int]:
    """Every event through the consumer once, oldest first; the outcomes counted."""
    outcomes: dict[str, int] = {}
    for raw in reversed(events):
        outcome = process_event(event_from(raw), context).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def bare_claims(settings: Settings, event_ids: list[str]) -> int:
    """The floor: the same conditional put per event, each refused. Returns how many were."""
    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    refused = 0
    for event_id in event_ids:
        try:
            client.put_item(
                TableName=settings.webhook_events_table,
                Item={"event_id": {"S": event_id}, "type": {"S": "bench"}},
                ConditionExpression="attribute_not_exists(event_id)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            refused += 1
    return refused


def _catch_up(
    gateway: StripeGateway, events: list[StripeMapping], context: WebhookContext
) -> tuple[CatchUpResult, Writes, float]:
    history = ListedEvents(gateway, events)
    with recorded_writes() as writes:
        started = time.perf_counter()
        result = run_catch_up(
            history=history, context=context, seconds_left=lambda: 600.0, interval_seconds=300
        )
        elapsed = time.perf_counter() - started
    assert result.events_seen == len(events), result
    assert result.finished, result
    return result, writes, elapsed


def _written(writes: Writes, settings: Settings) -> tuple[int, int, int]:
    """(writes on the events' behalf, of which failed claims, checkpoint saves)."""
    checkpoint = writes.requests(table=settings.sync_state_table)
    claims = sum(
        1
        for write in writes.writes
        if write.operation == "put_item"
        and write.failed_condition
        and set(write.items) == {settings.webhook_events_table}
    )
    return writes.requests() - checkpoint, claims, checkpoint


def measure(ctx: BenchContext) -> list[BenchRow]:
    customer = launch_day_customer(ctx, INVOICES)
    gateway = gateway_for(cached_settings())
    events = oldest_events(gateway, customer.began, EVENTS)
    saved_account("bench-catch-up", customer.history.customer_id)
    with scratch_render_queue(ctx) as settings:
        context = WebhookContext(settings, lambda: GatewayReads(gateway))
        with recorded_writes() as first_writes:
            started = time.perf_counter()
            outcomes = apply_once(events, context)
            first_seconds = time.perf_counter() - started
        ids = [str(event["id"]) for event in events]
        runs = []
        bare = []
        for number in range(REPEATS):
            if number % 2:
                started = time.perf_counter()
                assert bare_claims(settings, ids) == EVENTS
                bare.append(time.perf_counter() - started)
            runs.append(_catch_up(gateway, events, context))
            if not number % 2:
                started = time.perf_counter()
                assert bare_claims(settings, ids) == EVENTS
                bare.append(time.perf_counter() - started)
    result, writes, _ = runs[0]
    per_event, claims, checkpoint = _written(writes, settings)
    catch_up = statistics.median(seconds for _, _, seconds in runs)
    floor = statistics.median(bare)
    tables = {
        settings.webhook_events_table: "WebhookEvents",
        settings.sync_state_table: "SyncState",
    }
    first = ", ".join(f"{outcome} {n}" for outcome, n in sorted(outcomes.items()))
    applied = sum(n for outcome, n in outcomes.items() if outcome != EventOutcome.DUPLICATE)
    return [
        BenchRow(
            f"catch-up over {EVENTS:,} already-applied events: DynamoDB writes per event",
            per_event / EVENTS,
            " writes/event",
            1.0,
            f"{claims:,} failed conditional claims (PutItem on WebhookEvents) for {EVENTS:,} "
            f"events, {per_event - claims} other writes; {checkpoint} checkpoint save for the "
            f"run; {writes.summary(tables)}; {result.events_applied} events applied again; "
            f"first pass ({applied:,} events: {first}) sent {first_writes.requests():,} writes",
        ),
        BenchRow(
            f"catch-up over {EVENTS:,} already-applied events, time / bare conditional-put loop",
            catch_up / floor,
            "x",
            None,
            f"{catch_up * 1000 / EVENTS:.2f} ms vs {floor * 1000 / EVENTS:.2f} ms per event "
            f"(medians of {REPEATS}, alternated; listing answered in-process, 10 pages); "
            f"first pass {first_seconds * 1000 / EVENTS:.1f} ms per event; customer made in "
            f"{customer.seconds:.0f} s",
        ),
    ]
