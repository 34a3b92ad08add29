"""Invoices: (a) the list stays as fast with 20,000 invoices of other accounts in the table (it is
a Query on the caller's partition, not a Scan); (b) cold starts of the listing and download
functions against the floor; (c) rendering cost and size of the PDF.

About (a) on the local stack: moto answers every Query by sorting *all* items of the table, so a
Query's cost there grows with the table although DynamoDB's does not. The raw ratio is reported
for information; the row with the target gives moto's in-process server DynamoDB's partition
lookup for table Queries (`partition_lookup`), so it measures our code and not the emulator.
A Scan-based listing would still read all 20,000 items, page by page, and fail that row.
The cold starts are measured before the load, and the 20,000 invoices are deleted afterwards,
so neither they nor the benchmarks that run after this one pay for moto's sorting."""

from __future__ import annotations

import inspect
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.core import BenchContext, BenchRow, cold_start_vs_floor, median_seconds
from local.cfn import ROOT
from shared.billing.invoices.rendering import render_and_store
from shared.data.models import ACTIVE, AccountModel, InvoiceModel
from shared.runtime import cached_settings
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
    now = datetime.now(UTC)
    AccountModel(
        BENCH_AGENT,
        email="bench-invoices@example.com",
        name="Bench Invoices",
        status=ACTIVE,
        created_at=now,
        updated_at=now,
    ).save()


def _list_latency(ctx: BenchContext, token: str) -> float:
    url = f"{ctx.stack.api_url}/v1/billing/invoices"
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    def list_first_page() -> None:
        session.get(url, params={"limit": 20}, headers=headers, timeout=30).raise_for_status()

    return median_seconds(list_first_page, repeats=ctx.repeats, warmup=2)


@contextmanager
def partition_lookup() -> Iterator[None]:
    """While active, moto (running in this process) answers a table Query from the queried
    partition only, as DynamoDB does, instead of sorting every item of the table."""
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items
    signature = inspect.signature(original_query)
    current = threading.local()

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        by_partition = arguments.get("index_name") is None and bool(self.range_key_attr)
        current.partition = arguments["hash_key"] if by_partition else None
        try:
            return original_query(self, *args, **kwargs)
        finally:
            current.partition = None

    def all_items(self: Table) -> Any:
        partition = getattr(current, "partition", None)
        if partition is None:
            return original_all_items(self)
        return sorted(self.items.get(partition, {}).values(), key=lambda item: item.range_key)

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original_query  # type: ignore[method-assign]
        Table.all_items = original_all_items  # type: ignore[method-assign]


def _other_invoices() -> list[InvoiceModel]:
    return [
        build_invoice(f"bench-other-{n % OTHER_ACCOUNTS:05d}", created=START + timedelta(hours=n))
        for n in range(OTHER_INVOICES)
    ]


def _table_size_rows(ctx: BenchContext, token: str) -> list[BenchRow]:
    others = _other_invoices()
    raw_alone = _list_latency(ctx, token)
    with partition_lookup():
        alone = _list_latency(ctx, token)
    started = time.perf_counter()
    save_invoices(others)
    load_seconds = time.perf_counter() - started
    try:
        raw_crowded = _list_latency(ctx, token)
        with partition_lookup():
            crowded = _list_latency(ctx, token)
    finally:
        with InvoiceModel.batch_write() as batch:
            for invoice in others:
                batch.delete(invoice)
    return [
        BenchRow(
            "list invoices, 20,000 other invoices / none (moto as is: Query sorts the table)",
            raw_crowded / raw_alone,
            "x",
            None,
            f"p50 {raw_crowded * 1000:.0f} ms vs {raw_alone * 1000:.0f} ms",
        ),
        BenchRow(
            "list invoices, 20,000 other invoices / none (moto with partition lookup)",
            crowded / alone,
            "x",
            1.2,
            f"p50 {crowded * 1000:.0f} ms vs {alone * 1000:.0f} ms; "
            f"20,000 loaded in {load_seconds:.0f} s",
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

    env = ctx.env()
    repeats = ctx.cold_repeats
    table = env["ACCOUNTS_TABLE"]
    listing, listing_floor = cold_start_vs_floor(
        "functions.invoice_listing.app",
        _event("invoice_listing/list.json"),
        env,
        repeats,
        table=table,
        with_stripe=False,
    )
    download, download_floor = cold_start_vs_floor(
        "functions.invoice_download.app",
        _event("invoice_download/download.json", newest.invoice_id),
        env,
        repeats,
        table=table,
        with_stripe=False,
    )
    return [
        *_table_size_rows(ctx, ctx.stack.token(BENCH_AGENT)),
        BenchRow(
            "cold start invoice_listing (GET /v1/billing/invoices) / floor",
            listing / listing_floor,
            "x",
            1.3,
            f"CPU {listing * 1000:.0f} ms vs {listing_floor * 1000:.0f} ms",
        ),
        BenchRow(
            "cold start invoice_download (current PDF) / floor",
            download / download_floor,
            "x",
            1.3,
            f"CPU {download * 1000:.0f} ms vs {download_floor * 1000:.0f} ms",
        ),
        *_render_rows(ctx),
    ]
