"""Stripe webhook: handler time per event (warm, same process) against the floor of
`stripe.Webhook.construct_event` + one conditional PutItem on the WebhookEvents table, and the
function's cold start against `floor_seconds(..., with_stripe=True)`."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime
from itertools import count
from typing import Any

import boto3
import stripe

from bench.core import BenchContext, BenchRow, cold_start_seconds, floor_seconds, median_seconds
from local.gateway import FakeContext, LambdaFunction
from shared.models import ACTIVE, AccountModel, InvoiceModel
from shared.runtime import bootstrap
from tests.stripe_events import PRIMARY_SECRET, invoice_object, signed_api_event, stripe_event

MODULE = "functions.stripe_webhook.app"


def _bench_account() -> tuple[str, str]:
    account_id, customer_id = f"bench-{uuid.uuid4().hex[:8]}", f"cus_{uuid.uuid4().hex[:14]}"
    now = datetime.now(UTC)
    AccountModel(
        account_id,
        email="bench@example.com",
        name="Bench",
        status=ACTIVE,
        stripe_customer_id=customer_id,
        created_at=now,
        updated_at=now,
    ).save()
    return account_id, customer_id


class InvoiceUpdates:
    """A stream of distinct, newer `invoice.updated` events for one open invoice: each one is
    verified, claimed, applied (conditional UpdateItem) and recorded, like real traffic."""

    def __init__(self, customer_id: str) -> None:
        self.invoice = invoice_object(customer=customer_id, status="open", created=1795910400)
        self.clock = count(int(time.time()))

    def next_api_event(self) -> dict[str, Any]:
        event = stripe_event("invoice.updated", self.invoice, created=next(self.clock))
        return signed_api_event(event)


def _handler_row(ctx: BenchContext, customer_id: str, account_id: str) -> list[BenchRow]:
    from functions.stripe_webhook.app import lambda_handler

    context = FakeContext(LambdaFunction("StripeWebhookFunction", MODULE, "lambda_handler", 15))
    updates = InvoiceUpdates(customer_id)
    # The PDF of this status is already rendered, as it is for most updates: no render queued.
    first = lambda_handler(updates.next_api_event(), context)
    assert first["statusCode"] == 200, first
    invoice = next(iter(InvoiceModel.query(account_id)))
    invoice.update(actions=[InvoiceModel.pdf_rendered_for.set(invoice.payment_status)])

    pending = [updates.next_api_event() for _ in range(ctx.repeats * 3 + 4)]

    def handle() -> None:
        response = lambda_handler(pending.pop(0), context)
        assert response["statusCode"] == 200, response

    handler = median_seconds(handle, repeats=ctx.repeats * 3)
    duplicate_event = updates.next_api_event()
    lambda_handler(duplicate_event, context)
    duplicate = median_seconds(
        lambda: lambda_handler(duplicate_event, context), repeats=ctx.repeats * 3
    )

    settings = bootstrap()
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    floor_events = [updates.next_api_event() for _ in range(ctx.repeats * 3 + 2)]

    def floor() -> None:
        api_event = floor_events.pop(0)
        event = stripe.Webhook.construct_event(
            api_event["body"], api_event["headers"]["stripe-signature"], PRIMARY_SECRET
        )
        dynamodb.put_item(
            TableName=settings.webhook_events_table,
            Item={"event_id": {"S": event.id}, "type": {"S": event.type}},
            ConditionExpression="attribute_not_exists(event_id)",
        )

    floor_time = median_seconds(floor, repeats=ctx.repeats * 3)
    return [
        BenchRow(
            "webhook: handler per event (warm) / construct_event + 1 conditional put",
            handler / floor_time,
            "x",
            target=1.5,
            detail=(
                f"{handler * 1000:.1f} ms vs {floor_time * 1000:.1f} ms; invoice.updated "
                "applied: claim put + invoice UpdateItem + outcome update (account cached)"
            ),
        ),
        BenchRow(
            "webhook: duplicate delivery (warm) / same floor",
            duplicate / floor_time,
            "x",
            detail=f"{duplicate * 1000:.1f} ms: failed claim + duplicates counter",
        ),
    ]


def _cold_start_row(ctx: BenchContext, customer_id: str) -> BenchRow:
    env = ctx.env()
    updates = InvoiceUpdates(customer_id)
    # Each fresh process gets its own new event, so every cold start really applies one.
    samples = [
        cold_start_seconds(MODULE, updates.next_api_event(), env, repeats=1)
        for _ in range(ctx.repeats)
    ]
    cold = statistics.median(samples)
    floor = floor_seconds(env, bootstrap().accounts_table, ctx.repeats, with_stripe=True)
    return BenchRow(
        "webhook: cold start / floor (boto3 + stripe + GetItem)",
        cold / floor,
        "x",
        target=1.3,
        detail=f"{cold * 1000:.0f} ms vs {floor * 1000:.0f} ms (import + first event)",
    )


def measure(ctx: BenchContext) -> list[BenchRow]:
    bootstrap()
    account_id, customer_id = _bench_account()
    rows = _handler_row(ctx, customer_id, account_id)
    rows.append(_cold_start_row(ctx, customer_id))
    return rows
