"""Stripe webhook: the request path (verify + queue) per event, warm, in the same process,
against the floor of `stripe.Webhook.construct_event` + one conditional PutItem on the
WebhookEvents table; informationally the Stripe events consumer per event against the same
floor; and both functions' cold starts against the floor+stripe (`bench.coldstart`): the
request path's judged (an API function), the consumer's information (nobody waits on it).

The webhook sends to a queue of its own during the measurement (STRIPE_EVENTS_QUEUE_URL, as
the template sets it) so the local poller does not consume in the background; the consumer is
then measured on exactly the messages the request path queued."""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

import boto3
import stripe

from bench.coldstart import API_TARGET, floor_probe, handler_probe, ratio_row, side_by_side
from bench.core import BenchContext, BenchRow
from local.gateway import LambdaFunction
from local.resources import aws_client
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings, reset
from shared.webhooks.dispatch import WebhookContext, process_event_message
from testing.account_factory import saved_customer_account
from testing.lambda_context import LambdaContext
from testing.sqs_events import receive_all, sqs_batch, sqs_event_of
from testing.stripe_objects import invoice_object
from testing.webhook_events import PRIMARY_SECRET, signed_api_event, stripe_event

MODULE = "functions.stripe_webhook.app"
CONSUMER_MODULE = "functions.stripe_events.app"
BATCH_SIZE = 10  # the template's BatchSize for the consumer
QUEUE_VARIABLE = "STRIPE_EVENTS_QUEUE_URL"


class InvoiceUpdates:
    """A stream of distinct, newer `invoice.updated` events for one open invoice: each one is
    verified and queued, then claimed, applied (conditional UpdateItem) and recorded."""

    def __init__(self, customer_id: str) -> None:
        self.invoice = invoice_object(customer=customer_id, status="open", created=1795910400)
        self.clock = count(int(time.time()))

    def next_event(self) -> dict[str, Any]:
        return stripe_event("invoice.updated", self.invoice, created=next(self.clock))

    def next_api_event(self) -> dict[str, Any]:
        return signed_api_event(self.next_event())


@contextmanager
def private_events_queue(ctx: BenchContext) -> Iterator[str]:
    sqs = aws_client("sqs", ctx.stack.aws_url)
    url: str = sqs.create_queue(QueueName=f"bench-stripe-events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    previous = os.environ.get(QUEUE_VARIABLE)
    os.environ[QUEUE_VARIABLE] = url
    reset()
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop(QUEUE_VARIABLE, None)
        else:
            os.environ[QUEUE_VARIABLE] = previous
        reset()
        sqs.delete_queue(QueueUrl=url)


def interleaved_medians(
    measured: Callable[[], Any], floor: Callable[[], Any], repeats: int, warmup: int = 3
) -> tuple[float, float]:
    """Median times of two actions timed alternately, so load from elsewhere hits both alike."""
    for _ in range(warmup):
        measured()
        floor()
    measured_samples, floor_samples = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        measured()
        measured_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor()
        floor_samples.append(time.perf_counter() - started)
    return statistics.median(measured_samples), statistics.median(floor_samples)


def _floor_action(updates: InvoiceUpdates) -> Callable[[], None]:
    settings = cached_settings()
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )

    def floor() -> None:
        api_event = updates.next_api_event()
        event = stripe.Webhook.construct_event(
            api_event["body"], api_event["headers"]["stripe-signature"], PRIMARY_SECRET
        )
        dynamodb.put_item(
            TableName=settings.webhook_events_table,
            Item={"event_id": {"S": event.id}, "type": {"S": event.type}},
            ConditionExpression="attribute_not_exists(event_id)",
        )

    return floor


def _warm_rows(ctx: BenchContext, account_id: str, updates: InvoiceUpdates) -> list[BenchRow]:
    floor = _floor_action(updates)
    repeats = ctx.repeats * 4
    with private_events_queue(ctx) as queue_url:
        webhook = LambdaFunction("StripeWebhookFunction", MODULE, "lambda_handler", 15)
        handler = webhook.handler()
        context = LambdaContext(webhook.logical_id, timeout_seconds=webhook.timeout)
        pending = [updates.next_api_event() for _ in range(repeats + 3)]

        def request_path() -> None:
            response = handler(pending.pop(0), context)
            assert response["statusCode"] == 200, response

        request, request_floor = interleaved_medians(request_path, floor, repeats)
        sqs = aws_client("sqs", ctx.stack.aws_url)
        queued = receive_all(sqs, queue_url)
    assert len(queued) == repeats + 3, len(queued)

    # The consumer, on exactly what the request path queued. The first event creates the
    # invoice; its PDF counts as rendered (as for most updates), so no render is queued.
    first = queued.pop(0)
    process_event_message(
        first["Body"], WebhookContext(dataclasses.replace(cached_settings(), render_queue_url=""))
    )
    invoice = next(iter(InvoiceModel.query(account_id)))
    invoice.update(actions=[InvoiceModel.pdf_rendered_for.set(invoice.payment_status)])
    consumer = LambdaFunction("StripeEventsFunction", CONSUMER_MODULE, "lambda_handler", 30)
    consume = consumer.handler()
    consumer_context = LambdaContext(consumer.logical_id, timeout_seconds=consumer.timeout)
    batches = [
        sqs_event_of(queued[start : start + BATCH_SIZE])
        for start in range(0, len(queued) - BATCH_SIZE + 1, BATCH_SIZE)
    ]
    fresh = list(batches)
    for_duplicates = list(batches)

    def consume_batch(source: list[dict[str, Any]]) -> Callable[[], None]:
        def run() -> None:
            response = consume(source.pop(0), consumer_context)
            assert response == {"batchItemFailures": []}, response

        return run

    rounds = len(batches) - 1  # one warm-up batch
    consumer_time, consumer_floor = interleaved_medians(
        consume_batch(fresh), floor, rounds, warmup=1
    )
    duplicate_time, duplicate_floor = interleaved_medians(
        consume_batch(for_duplicates), floor, rounds, warmup=1
    )
    per_event = consumer_time / BATCH_SIZE
    per_duplicate = duplicate_time / BATCH_SIZE
    return [
        BenchRow(
            "webhook: request path per event (warm) / construct_event + 1 conditional put",
            request / request_floor,
            "x",
            target=1.5,
            detail=(
                f"{request * 1000:.2f} ms vs {request_floor * 1000:.2f} ms (median of "
                f"{repeats}, interleaved); verify + parse + 1 SendMessage, no DynamoDB"
            ),
        ),
        BenchRow(
            "webhook consumer: per event in batches of 10 (warm) / same floor",
            per_event / consumer_floor,
            "x",
            detail=(
                f"{per_event * 1000:.2f} ms vs {consumer_floor * 1000:.2f} ms; invoice.updated: "
                "claim put + invoice UpdateItem + outcome update (account cached); informational"
            ),
        ),
        BenchRow(
            "webhook consumer: duplicate per event in batches of 10 (warm) / same floor",
            per_duplicate / duplicate_floor,
            "x",
            detail=(
                f"{per_duplicate * 1000:.2f} ms: failed claim + duplicates counter; informational"
            ),
        ),
    ]


def _cold_start_rows(ctx: BenchContext, updates: InvoiceUpdates) -> list[BenchRow]:
    def new_batch() -> dict[str, Any]:
        return sqs_batch(json.dumps(updates.next_event()))

    # Each fresh process gets its own new event, so every cold start really handles one.
    probes = [
        handler_probe(MODULE, updates.next_api_event, "stripe_webhook"),
        handler_probe(CONSUMER_MODULE, new_batch, "stripe_events"),
        floor_probe(cached_settings().accounts_table, with_stripe=True),
    ]
    with private_events_queue(ctx) as queue_url:
        request, consumer, floor = side_by_side(
            ctx, probes, {**ctx.env(), QUEUE_VARIABLE: queue_url}
        )
    return [
        ratio_row(
            "cold start stripe_webhook (request path) / floor+stripe",
            request,
            floor,
            API_TARGET,
            "import + first event: verify, queue",
        ),
        ratio_row(
            "cold start stripe_events (consumer, SQS batch) / floor+stripe",
            consumer,
            floor,
            None,
            "import + a batch of one invoice.updated: account query, claim, UpdateItem, outcome",
        ),
    ]


def measure(ctx: BenchContext) -> list[BenchRow]:
    cached_settings()
    account_id, customer_id = saved_customer_account("bench")
    # One invoice throughout: after its first event its PDF counts as rendered, so no event
    # measured here queues a render.
    updates = InvoiceUpdates(customer_id)
    rows = _warm_rows(ctx, account_id, updates)
    rows.extend(_cold_start_rows(ctx, updates))
    return rows
