"""What a user would pick instead: the same GET /v1/billing/invoices as a single FastAPI +
Mangum function over the same data layer. Cold start (fresh process, each in a Lambda-like
site holding only its own packages; judged on instructions, see `bench.coldstart`) and warm
latency (same process, same event), side by side."""

from __future__ import annotations

import importlib
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.coldstart import handler_probe, ratio_row, side_by_side
from bench.core import BenchContext, BenchRow
from local.cfn import ROOT
from shared.data.tables.accounts import ACTIVE, AccountModel
from testing.invoice_factory import build_invoice, save_invoices
from testing.lambda_context import LambdaContext

AGENT = "bench-alternatives-agent"
OURS = "functions.invoice_listing.app"
FASTAPI = "bench.fastapi_invoices.app"


def _event() -> dict[str, Any]:
    text = (ROOT / "events" / "invoice_listing" / "list.json").read_text()
    return dict(json.loads(text.replace("agent-demo", AGENT)))


def _seed() -> None:
    now = datetime.now(UTC)
    AccountModel(
        AGENT, email="alt@example.com", name="Alt", status=ACTIVE, created_at=now, updated_at=now
    ).save()
    start = now - timedelta(days=600)
    save_invoices(build_invoice(AGENT, created=start + timedelta(days=30 * n)) for n in range(20))


def _warm_median(handler: Any, event: dict[str, Any], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = handler(event, LambdaContext("bench"))
        samples.append(time.perf_counter() - started)
        assert response["statusCode"] == 200, response
    return statistics.median(samples)


def measure(ctx: BenchContext) -> list[BenchRow]:
    _seed()
    event = _event()
    ours_cold, fastapi_cold = side_by_side(
        ctx, [handler_probe(OURS, event), handler_probe(FASTAPI, event)]
    )

    ours = importlib.import_module(OURS).lambda_handler
    fastapi = importlib.import_module(FASTAPI).lambda_handler
    for handler in (ours, fastapi):  # warm both
        for _ in range(5):
            handler(event, LambdaContext("bench"))
    # Interleave rounds so drift on a noisy machine hits both alike.
    ours_warm, fastapi_warm = [], []
    for _ in range(5):
        ours_warm.append(_warm_median(ours, event, 20))
        fastapi_warm.append(_warm_median(fastapi, event, 20))
    ours_ms, fastapi_ms = statistics.median(ours_warm), statistics.median(fastapi_warm)
    return [
        ratio_row("cold start listing: ours / FastAPI+Mangum", ours_cold, fastapi_cold, 0.6),
        BenchRow(
            "warm GET /v1/billing/invoices: ours / FastAPI+Mangum",
            ours_ms / fastapi_ms,
            "x",
            1.0,
            f"{ours_ms * 1000:.1f} ms vs {fastapi_ms * 1000:.1f} ms",
        ),
    ]
