"""Invoices: (a) listing reads no more with 20,000 invoices of other accounts in the table than
with none (it is a Query on the caller's partition, not a Scan); (b) cold starts of the listing
and download functions against the floor; (c) rendering cost and size of the PDF.

(a) is judged on what DynamoDB reads to list the agent's invoices page by page through the API:
the items examined (`ScannedCount` of every Query or Scan, the keys of every GetItem) must be
the same with the 20,000 as without (target 1.00x). A Scan-based listing, or one that filtered
a wider query, would examine the 20,000 too. Latency is beside it, for information only: moto
answers every Query by sorting *all* items of the table, so there a Query's latency grows with
the table although DynamoDB's does not (raw); with moto's in-process server given DynamoDB's
partition lookup (`bench.moto_probes.partition_lookup`) it follows our code instead.
The cold starts are measured before the load, and the 20,000 invoices are deleted afterwards,
so neither they nor the benchmarks that run after this one pay for moto's sorting."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.coldstart import API_TARGET, cold_start_row
from bench.core import BenchContext, BenchRow, median_seconds
from bench.moto_probes import Reads, partition_lookup, recorded_reads
from local.cfn import ROOT
from shared.billing.invoices.rendering import render_and_store
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from testing.account_factory import save_account
from testing.invoice_factory import build_invoice, save_invoices

BENCH_AGENT = "bench-invoices-agent"
OWN_INVOICES = 36
OTHER_INVOICES = 20_000
OTHER_ACCOUNTS = 2_000
FIVE_LINES = [
    ("Territory 78701 - predictive seller leads", 1, 9900),
    ("Territory 78702 - predictive seller leads", 1, 9900),
    ("Territory 78703 - predictive seller leads", 2, 5000),
    ("Priority placement add-on", 1, 3000),
    ("Onboarding credit", 1, 2100),
]
START = datetime(2023, 1, 1, tzinfo=UTC)


def _event(name: str, invoice_id: str = "in_1DemoInvoice0001") -> dict[str, Any]:
    text = (ROOT / "events" / name).read_text()
    return dict(json.loads(text.replace("agent-demo", BENCH_AGENT).replace(
        "in_1DemoInvoice0001", invoice_id)))  # fmt: skip


def _create_agent() -> None:
    save_account(BENCH_AGENT, name="Bench Invoices", email="bench-invoices@example.com")


def _list_latency(ctx: BenchContext, token: str) -> float:
    url = f"{ctx.stack.api_url}/v1/billing/invoices"
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    def list_first_page() -> None:
        session.get(url, params={"limit": 20}, headers=headers, timeout=30).raise_for_status()

    return median_seconds(list_first_page, repeats=ctx.repeats, warmup=2)


def _list_reads(ctx: BenchContext, token: str) -> tuple[Reads, int]:
    """What DynamoDB reads while the agent lists every invoice, 20 a page, through the API;
    and how many pages that took."""
    url = f"{ctx.stack.api_url}/v1/billing/invoices"
    headers = {"Authorization": f"Bearer {token}"}
    params: dict[str, str | int] = {"limit": 20}
    pages = 0
    with recorded_reads() as reads:
        while True:
            answer = requests.get(url, params=params, headers=headers, timeout=30)
            answer.raise_for_status()
            pages += 1
            cursor = answer.json()["next_cursor"]
            if not cursor:
                return reads, pages
            params["cursor"] = cursor


def _other_invoices() -> list[InvoiceModel]:
    return [
        build_invoice(f"bench-other-{n % OTHER_ACCOUNTS:05d}", created=START + timedelta(hours=n))
        for n in range(OTHER_INVOICES)
    ]


def _table_size_rows(ctx: BenchContext, token: str) -> list[BenchRow]:
    others = _other_invoices()
    reads_alone, pages_alone = _list_reads(ctx, token)
    raw_alone = _list_latency(ctx, token)
    with partition_lookup():
        alone = _list_latency(ctx, token)
    started = time.perf_counter()
    save_invoices(others)
    load_seconds = time.perf_counter() - started
    try:
        reads_crowded, pages_crowded = _list_reads(ctx, token)
        raw_crowded = _list_latency(ctx, token)
        with partition_lookup():
            crowded = _list_latency(ctx, token)
    finally:
        with InvoiceModel.batch_write() as batch:
            for invoice in others:
                batch.delete(invoice)
    return [
        BenchRow(
            f"list invoices: items DynamoDB examines, {OTHER_INVOICES:,} other invoices / none",
            reads_crowded.examined / reads_alone.examined,
            "x",
            1.0,
            f"{reads_crowded.examined} vs {reads_alone.examined} items examined listing "
            f"{OWN_INVOICES} own invoices in {pages_crowded} vs {pages_alone} pages of 20 "
            f"({reads_crowded.summary()} vs {reads_alone.summary()}); consumed capacity "
            f"{reads_crowded.capacity:g} vs {reads_alone.capacity:g} units (moto: flat per "
            "request)",
        ),
        BenchRow(
            f"list invoices latency, {OTHER_INVOICES:,} other invoices / none (moto with "
            "partition lookup)",
            crowded / alone,
            "x",
            None,
            f"p50 {crowded * 1000:.0f} ms vs {alone * 1000:.0f} ms; moto as is (Query sorts the "
            f"table): {raw_crowded / raw_alone:.2f}x, p50 {raw_crowded * 1000:.0f} ms vs "
            f"{raw_alone * 1000:.0f} ms; {OTHER_INVOICES:,} loaded in {load_seconds:.0f} s",
        ),
    ]


def _render_rows(ctx: BenchContext) -> list[BenchRow]:
    from shared.billing.invoices.pdf import Seller, new_document, render_invoice_pdf

    seller = Seller("Predictive Leads Inc.", "100 Congress Ave, Austin, TX 78701, USA")
    invoice = build_invoice(
        BENCH_AGENT, lines=FIVE_LINES, tax=2000, customer_name="Zoë Ångström-Łukasz"
    )

    def one_line_page() -> None:
        pdf = new_document()
        pdf.add_page()
        pdf.cell(text="Invoice A1B2-0003 — Zoë Ångström-Łukasz")
        pdf.output()

    render = median_seconds(lambda: render_invoice_pdf(invoice, seller), ctx.repeats)
    baseline = median_seconds(one_line_page, ctx.repeats)
    size_kb = len(render_invoice_pdf(invoice, seller)) / 1024
    return [
        BenchRow(
            "render 5-line invoice / fpdf2 one-line page (same font)",
            render / baseline,
            "x",
            None,
            f"{render * 1000:.0f} ms vs {baseline * 1000:.0f} ms",
        ),
        BenchRow("invoice PDF size (5 lines, Unicode font subset)", size_kb, "KB", 60, ""),
    ]


def measure(ctx: BenchContext) -> list[BenchRow]:
    settings = cached_settings()
    _create_agent()
    own = [
        build_invoice(BENCH_AGENT, created=START + timedelta(days=30 * n), lines=FIVE_LINES)
        for n in range(OWN_INVOICES)
    ]
    save_invoices(own)
    newest = own[-1]
    render_and_store(settings, newest)  # the usual download: the PDF is already current

    cold_starts = [
        cold_start_row(
            ctx,
            "invoice_listing (GET /v1/billing/invoices)",
            "functions.invoice_listing.app",
            _event("invoice_listing/list.json"),
            with_stripe=False,
            target=API_TARGET,
        ),
        cold_start_row(
            ctx,
            "invoice_download (current PDF)",
            "functions.invoice_download.app",
            _event("invoice_download/download.json", newest.invoice_id),
            with_stripe=False,
            target=API_TARGET,
        ),
    ]
    return [*_table_size_rows(ctx, ctx.stack.token(BENCH_AGENT)), *cold_starts, *_render_rows(ctx)]
