"""Cold start of Pay now (issue #15): card_update's `POST /v1/billing/invoices/{invoice_id}/pay`
paying a real failed invoice with the card on file, judged on issue #15's target: at most 1.3x
the floor+stripe in instructions (`bench.coldstart`); the route's own request makes three Stripe
calls, an UpdateItem and an SQS send where the floor makes one GetItem, so it is not held to the
1.2x of a function's usual first request (card_update's GET /v1/billing/card row). Beside it, for
information, a like-for-like floor: a fresh process that imports boto3 and stripe, does the
GetItem, retrieves the invoice and its PaymentIntent, pays it, and sends one SQS message, the
work the route itself must do, with nothing of ours around it.

Every run (the function's, and the like-for-like floor's) pays its own new invoice: the bench
agent's card is made one the bank declines (4000 0000 0000 0341) and a subscription leaves an
open invoice whose payment failed; then 4242 4242 4242 4242 becomes the default card, and the
run starts once the read model shows it (its webhook applied), as the agent's page would. The
renders the payments queue go to a scratch queue, so the stack renders nothing meanwhile."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
import stripe

from bench.coldstart import (
    ColdStart,
    Probe,
    floor_probe,
    handler_probe,
    instructions,
    ratio_row,
    side_by_side,
)
from bench.core import (
    STRIPE_REQUIREMENTS,
    BenchContext,
    BenchRow,
    deployed_code_site,
    function_site,
    lambda_site,
    requirement_lines,
)
from local.cfn import ROOT
from local.resources import aws_client
from local.seed import (
    DECLINES_ON_CHARGE,
    GOOD_CARD,
    attach_card,
    monthly_plan,
    stripe_for,
    subscribe,
)
from shared.data.tables.accounts import AccountModel
from shared.runtime import cached_settings

PAY_TARGET = 1.3  # issue #15: the Pay now cold start against the floor+stripe
MODULE = "functions.card_update.app"
SAMPLE = "card_update/pay_invoice.json"
SAMPLE_AGENT = "agent-demo"
SAMPLE_INVOICE = "in_1Demo"
CARD_SHOWN_TIMEOUT = 30.0

# The route's own work, bare: the caller's account, the invoice and its payment attempt, the
# payment, and the render message.
LIKE_FOR_LIKE = """
import os
import boto3
import stripe
dynamodb = boto3.client("dynamodb")
dynamodb.get_item(TableName={table!r}, Key={{"account_id": {{"S": {agent!r}}}}})
client = stripe.StripeClient(
    os.environ["STRIPE_SECRET_KEY"], base_addresses={{"api": os.environ["STRIPE_API_BASE"]}}
)
invoice = client.v1.invoices.retrieve(invoice_id)
client.v1.payment_intents.retrieve(invoice.payment_intent)
paid = client.v1.invoices.pay(invoice_id)
assert paid.status == "paid", paid.status
boto3.client("sqs").send_message(
    QueueUrl=os.environ["RENDER_QUEUE_URL"],
    MessageBody=json.dumps({{"account_id": {agent!r}, "invoice_id": invoice_id}}),
)
"""


class FailedInvoices:
    """New payable invoices of the bench agent, each left failed on a declined card, with a
    good default card the read model already shows."""

    def __init__(self, client: stripe.StripeClient, agent_id: str, customer_id: str) -> None:
        self.client = client
        self.agent_id = agent_id
        self.customer_id = customer_id
        self.plan_id = monthly_plan(client, "Bench Pay Now", 4900)
        self.made: list[str] = []

    def next_id(self) -> str:
        attach_card(self.client, self.customer_id, DECLINES_ON_CHARGE)
        subscription = subscribe(self.client, self.customer_id, self.plan_id)
        invoice = self.client.v1.invoices.retrieve(str(subscription.latest_invoice))
        assert invoice.status == "open", invoice.status
        good_card = attach_card(self.client, self.customer_id, GOOD_CARD)
        self._wait_until_shown(good_card)
        self.made.append(invoice.id)
        return invoice.id

    def _wait_until_shown(self, payment_method_id: str) -> None:
        deadline = time.monotonic() + CARD_SHOWN_TIMEOUT
        while True:
            card = AccountModel.get(self.agent_id, consistent_read=True).card
            if card is not None and card.payment_method_id == payment_method_id:
                assert card.last4 == GOOD_CARD[-4:], card.last4
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the account never showed card {payment_method_id}")
            time.sleep(0.2)

    def unpaid(self) -> list[str]:
        return [
            invoice_id
            for invoice_id in self.made
            if self.client.v1.invoices.retrieve(invoice_id).status != "paid"
        ]


def _event(agent_id: str, invoice_id: str) -> dict[str, Any]:
    text = (ROOT / "events" / SAMPLE).read_text()
    event: dict[str, Any] = json.loads(
        text.replace(SAMPLE_AGENT, agent_id).replace(SAMPLE_INVOICE, invoice_id)
    )
    return event


def like_for_like_floor(table: str, agent_id: str, next_invoice: Callable[[], str]) -> Probe:
    return Probe(
        "like-for-like floor",
        lambda: f"invoice_id = {next_invoice()!r}",
        LIKE_FOR_LIKE.format(table=table, agent=agent_id),
        site=lambda_site(requirement_lines(STRIPE_REQUIREMENTS)),
        code=deployed_code_site(),
    )


def _imports(ctx: BenchContext) -> tuple[int, int]:
    """Instructions of the imports alone: the function's (the app and the pay route's lazily
    loaded module) and the floor+stripe's (boto3 and stripe)."""
    env = ctx.env()
    function = Probe(
        "card_update imports",
        lambda: "",
        f"import {MODULE}\nimport shared.billing.payments",
        site=function_site(MODULE),
        code=deployed_code_site(),
    )
    floor = Probe(
        "floor+stripe imports",
        lambda: "",
        "import boto3\nimport stripe",
        site=lambda_site(requirement_lines(STRIPE_REQUIREMENTS)),
        code=deployed_code_site(),
    )
    return instructions(function, env), instructions(floor, env)


def _split(pay: ColdStart, floor: ColdStart, imports: tuple[int, int]) -> str:
    ours, theirs = imports
    return (
        f"imports {ours / 1e9:.3f} G vs {theirs / 1e9:.3f} G (boto3 + stripe), the request "
        f"{(pay.instructions - ours) / 1e9:.3f} G vs {(floor.instructions - theirs) / 1e9:.3f} G"
    )


def _bench_agent(ctx: BenchContext) -> tuple[str, str]:
    """An agent provisioned through support's API (with its Stripe customer)."""
    agent_id = f"bench-pay-{uuid.uuid4().hex[:6]}"
    token = ctx.stack.token("bench-support", groups=["support"])
    answer = requests.post(
        f"{ctx.stack.api_url}/v1/support/accounts",
        json={"account_id": agent_id, "email": f"{agent_id}@example.com", "name": "Bench Pay"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return agent_id, str(answer.json()["stripe_customer_id"])


def measure(ctx: BenchContext) -> list[BenchRow]:
    settings = cached_settings()
    agent_id, customer_id = _bench_agent(ctx)
    invoices = FailedInvoices(stripe_for(ctx.stack), agent_id, customer_id)
    sqs = aws_client("sqs", ctx.stack.aws_url)
    queue_url = sqs.create_queue(QueueName=f"bench-pay-renders-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    probes = [
        handler_probe(MODULE, lambda: _event(agent_id, invoices.next_id()), "card_update pay"),
        floor_probe(settings.accounts_table, with_stripe=True),
        like_for_like_floor(settings.accounts_table, agent_id, invoices.next_id),
    ]
    try:
        pay, floor, like = side_by_side(ctx, probes, {**ctx.env(), "RENDER_QUEUE_URL": queue_url})
    finally:
        sqs.delete_queue(QueueUrl=queue_url)
    imports = _imports(ctx)
    # Every run was to pay its invoice (the runs without the measured part leave theirs open).
    runs = 2 + ctx.cold_repeats  # per side: cachegrind with and without, plain CPU runs
    assert len(invoices.made) == 2 * runs, invoices.made
    paid = len(invoices.made) - len(invoices.unpaid())
    assert paid == 2 * (runs - 1), f"{paid} of {len(invoices.made)} invoices paid"
    return [
        ratio_row(
            "cold start card_update pay (POST /v1/billing/invoices/{id}/pay) / floor+stripe",
            pay,
            floor,
            PAY_TARGET,
            "import + paying one failed invoice (GetItem, invoice + PaymentIntent read, pay, "
            f"invoice UpdateItem, 1 SQS send): {_split(pay, floor, imports)}",
        ),
        ratio_row(
            "cold start card_update pay / like-for-like floor (boto3 + stripe: GetItem, invoice "
            "+ PaymentIntent read, pay, 1 SQS send)",
            pay,
            like,
            None,
            f"{_split(pay, like, imports)}",
        ),
    ]
