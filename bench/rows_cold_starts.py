"""Cold starts of the account, card, page, operations, support console and Stripe sync functions
and of the queue consumers, each side by side with
the floor: a fresh process that imports boto3 (and stripe, for functions that call Stripe),
creates a DynamoDB client and does one GetItem. Judged on instructions (see `bench.coldstart`):
an API function's at most 1.2x its floor; a queue consumer's is information (nobody waits on
it). Other functions' rows live with their issue's benchmarks: invoices, webhook, reassignment."""

from __future__ import annotations

import json
from typing import Any

import requests

from bench.coldstart import API_TARGET, cold_start_row
from bench.core import BenchContext, BenchRow
from local.cfn import ROOT

BENCH_AGENT = "bench-agent"


def _event(name: str, *, as_agent: bool = False) -> dict[str, Any]:
    """The sample event; as the bench agent, every mention of the demo agent (the caller, an
    account in the path or in a message) becomes the bench agent, which exists here."""
    text = (ROOT / "events" / name).read_text()
    if as_agent:
        text = text.replace("agent-demo", BENCH_AGENT)
    event: dict[str, Any] = json.loads(text)
    return event


# (label, module, sample event, as the bench agent, calls Stripe, target)
FUNCTIONS: list[tuple[str, str, str, bool, bool, float | None]] = [
    (
        "GET /v1/account",
        "functions.account.app",
        "account/get_account.json",
        True,
        False,
        API_TARGET,
    ),
    (
        "card_update (GET /v1/billing/card)",
        "functions.card_update.app",
        "card_update/get_card.json",
        True,
        True,
        API_TARGET,
    ),
    (
        "billing_page (GET /)",
        "functions.billing_page.app",
        "billing_page/page.json",
        False,
        False,
        API_TARGET,
    ),
    (
        "operations (GET /v1/support/operations)",
        "functions.operations.app",
        "operations/operations.json",
        False,
        False,
        API_TARGET,
    ),
    (
        "support_console (GET /support)",
        "functions.support_console.app",
        "support_console/page.json",
        False,
        False,
        API_TARGET,
    ),
    (
        "stripe_sync (POST resync)",
        "functions.stripe_sync.app",
        "stripe_sync/resync.json",
        True,
        True,
        API_TARGET,
    ),
    # Queue consumers: nobody waits on their cold start; measured all the same.
    (
        "stripe_import (SQS batch: import an account with no Stripe history)",
        "functions.stripe_import.app",
        "stripe_import/batch.json",
        True,
        True,
        None,
    ),
    (
        "invoice_renderer (SQS batch)",
        "functions.invoice_renderer.app",
        "invoice_renderer/batch.json",
        False,
        False,
        None,
    ),
    (
        "lead_reassignment (SQS batch)",
        "functions.lead_reassignment.app",
        "lead_reassignment/sqs_batch.json",
        False,
        False,
        None,
    ),
]


def measure(ctx: BenchContext) -> list[BenchRow]:
    stack = ctx.stack
    support = {"Authorization": f"Bearer {stack.token('bench-support', groups=['support'])}"}
    requests.post(
        f"{stack.api_url}/v1/support/accounts",
        json={"account_id": BENCH_AGENT, "email": "bench@example.com", "name": "Bench"},
        headers=support,
        timeout=30,
    ).raise_for_status()
    return [
        cold_start_row(
            ctx,
            label,
            module,
            _event(sample, as_agent=as_agent),
            with_stripe=with_stripe,
            target=target,
        )
        for label, module, sample, as_agent, with_stripe, target in FUNCTIONS
    ]
