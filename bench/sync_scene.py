"""What the Stripe sync benchmarks (import, catch-up) set up: a launch-day Stripe customer with a
long history made directly in localstripe while its webhook deliveries are lost (so the stack
applies none of it in the background: the benchmark applies it, when it means to), accounts
saved straight into the read model pointing at it, and a scratch queue for the PDF renders the
sync queues (so the stack's poller renders nothing meanwhile); and counts and times of the
Stripe requests a sync makes."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe

from bench.core import BenchContext
from local.resources import aws_client
from local.seed import stripe_for
from shared.config import Settings
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from shared.stripe.history import StripeHistory
from shared.stripe.reads import GatewayReads, StripeMapping
from testing.account_factory import save_account
from testing.localstripe import deliveries_lost
from testing.stripe_customers import StripeCustomerHistory, customer_with_history


@dataclasses.dataclass(frozen=True)
class LaunchDayCustomer:
    history: StripeCustomerHistory
    began: int  # epoch seconds just before the first Stripe object was made
    seconds: float  # how long localstripe took to make it


def launch_day_customer(ctx: BenchContext, invoices: int) -> LaunchDayCustomer:
    """testing.stripe_customers' launch-day customer (a good card, a paid subscription,
    every third further invoice paid, the rest drafts), its webhooks lost."""
    began = time.time()
    with deliveries_lost(ctx.stack):
        history = customer_with_history(
            stripe_for(ctx.stack), invoices=invoices, name="Bench Launch Day"
        )
    seconds = time.time() - began
    ctx.stack.wait_until_quiet(timeout=60)
    return LaunchDayCustomer(history, int(began) - 1, seconds)


def saved_account(prefix: str, customer_id: str | None) -> str:
    """An active account written straight into the read model (no import queued)."""
    account_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
    save_account(account_id, name="Bench Launch Day", stripe_customer_id=customer_id)
    return account_id


def delete_invoices(account_id: str) -> int:
    keys = list(InvoiceModel.query(account_id, attributes_to_get=["account_id", "invoice_key"]))
    with InvoiceModel.batch_write() as batch:
        for invoice in keys:
            batch.delete(invoice)
    return len(keys)


@contextmanager
def scratch_render_queue(ctx: BenchContext) -> Iterator[Settings]:
    """The settings with the render queue swapped for a scratch queue nobody consumes."""
    sqs = aws_client("sqs", ctx.stack.aws_url)
    url: str = sqs.create_queue(QueueName=f"bench-renders-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    try:
        yield dataclasses.replace(cached_settings(), render_queue_url=url)
    finally:
        sqs.delete_queue(QueueUrl=url)


@dataclasses.dataclass
class StripeTime:
    seconds: float = 0.0
    requests: int = 0


@contextmanager
def stripe_http_time() -> Iterator[StripeTime]:
    """While active, the time every Stripe HTTP request of this process takes (the Stripe SDK's
    requests client, which every Stripe client here uses) is added up."""
    spent = StripeTime()
    original = stripe.RequestsClient.request

    def request(self: stripe.RequestsClient, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent.seconds += time.perf_counter() - started
            spent.requests += 1

    stripe.RequestsClient.request = request  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        stripe.RequestsClient.request = original  # type: ignore[method-assign]


class CountingHistory(StripeHistory):
    """StripeHistory that also tells the invoice pages apart from the subscription pages."""

    invoice_list_calls = 0

    def invoice_pages(self, customer_id: str) -> Iterator[list[StripeMapping]]:
        before = self.list_calls
        try:
            yield from super().invoice_pages(customer_id)
        finally:
            self.invoice_list_calls += self.list_calls - before


class CountingReads(GatewayReads):
    """GatewayReads counting the single-object reads (card, payment attempts)."""

    calls: Counter[str]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.calls = Counter()

    def retrieve_invoice(self, invoice_id: str) -> StripeMapping:
        self.calls["invoice"] += 1
        return super().retrieve_invoice(invoice_id)

    def retrieve_payment_intent(self, payment_intent_id: str) -> StripeMapping:
        self.calls["payment_intent"] += 1
        return super().retrieve_payment_intent(payment_intent_id)

    def latest_invoice_payment_intent(self, invoice_id: str) -> StripeMapping | None:
        self.calls["invoice_payments"] += 1
        return super().latest_invoice_payment_intent(invoice_id)

    def retrieve_customer(self, customer_id: str) -> StripeMapping:
        self.calls["customer"] += 1
        return super().retrieve_customer(customer_id)

    def retrieve_payment_method(self, payment_method_id: str) -> StripeMapping:
        self.calls["payment_method"] += 1
        return super().retrieve_payment_method(payment_method_id)
