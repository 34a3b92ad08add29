"""Cold starts of the account and card functions, each against the floor measured in the same
run: a fresh process that imports boto3 (and stripe, for functions that call Stripe), creates a
DynamoDB client and does one GetItem."""

from __future__ import annotations

import json
from typing import Any

import requests

from bench.core import BenchContext, BenchRow, cold_start_seconds, floor_seconds
from local.cfn import ROOT

BENCH_AGENT = "bench-agent"


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / name).read_text())
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = BENCH_AGENT
    return event


def measure(ctx: BenchContext) -> list[BenchRow]:
    stack = ctx.stack
    support = {"Authorization": f"Bearer {stack.token('bench-support', groups=['support'])}"}
    requests.post(
        f"{stack.api_url}/v1/support/accounts",
        json={"account_id": BENCH_AGENT, "email": "bench@example.com", "name": "Bench"},
        headers=support,
        timeout=30,
    ).raise_for_status()
    env = ctx.env()
    table = env["ACCOUNTS_TABLE"]
    repeats = max(5, ctx.repeats // 2)
    floor = floor_seconds(env, table, repeats, with_stripe=False)
    floor_stripe = floor_seconds(env, table, repeats, with_stripe=True)
    account = cold_start_seconds(
        "functions.account.app", _event("account/get_account.json"), env, repeats
    )
    card = cold_start_seconds(
        "functions.card_update.app", _event("card_update/get_card.json"), env, repeats
    )
    return [
        BenchRow(
            "cold start GET /v1/account / floor",
            account / floor,
            "x",
            1.3,
            f"{account * 1000:.0f} ms vs {floor * 1000:.0f} ms",
        ),
        BenchRow(
            "cold start card_update (GET /v1/billing/card) / floor+stripe",
            card / floor_stripe,
            "x",
            1.3,
            f"{card * 1000:.0f} ms vs {floor_stripe * 1000:.0f} ms",
        ),
    ]
