"""GET /v1/billing/invoices and /v1/billing/invoices/{id} through the local gateway."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared.data.tables.accounts import CANCELLED, AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from testing.invoice_factory import (
    BASE_TIME,
    PAYMENT_STATUSES,
    build_invoice,
    save_invoice,
    save_invoices,
)
from testing.probe import PROBE_PREAMBLE, run_probe

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


@pytest.fixture(autouse=True)
def data_layer(stack):
    cached_settings()


def collect_pages(agent, *, limit: int, status: str | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    for body in agent.pages(
        "/v1/billing/invoices", limit=limit, **({"status": status} if status else {})
    ):
        pages.append([invoice["id"] for invoice in body["invoices"]])
        assert len(pages) <= 50, "pagination does not end"
    return pages


def test_invoices_are_listed_newest_first_with_their_payment_status(new_agent):
    account_id, agent = new_agent()
    offsets = [3, 0, 4, 1, 2]  # written out of order on purpose
    written = {
        offset: save_invoice(
            account_id,
            created=BASE_TIME + timedelta(days=30 * offset),
            payment_status=PAYMENT_STATUSES[offset],
        )
        for offset in offsets
    }

    response = agent.get("/v1/billing/invoices")

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["invoices"]] == [
        written[offset].invoice_id for offset in sorted(offsets, reverse=True)
    ]
    assert body["next_cursor"] is None
    newest = body["invoices"][0]
    assert newest["payment_status"] == PAYMENT_STATUSES[4]
    assert set(newest) == {
        "id", "number", "status", "payment_status", "amount_due", "amount_paid",
        "amount_remaining", "currency", "description", "created", "period_start", "period_end",
        "due_date", "paid_at", "attempt_count", "next_payment_attempt", "failure_message",
        "pdf_available",
    }  # fmt: skip


def test_invoice_fields_follow_the_contract(new_agent):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="failed", number="A1B2-0003", amount=29900)

    body = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}").json()

    assert body == {
        "id": invoice.invoice_id,
        "number": "A1B2-0003",
        "status": "open",
        "payment_status": "failed",
        "amount_due": 29900,
        "amount_paid": 0,
        "amount_remaining": 29900,
        "currency": "usd",
        "description": "Predictive Seller Leads subscription",
        "created": "2026-01-05T15:30:00Z",
        "period_start": "2026-01-05T15:30:00Z",
        "period_end": "2026-02-04T15:30:00Z",
        "due_date": "2026-01-20T15:30:00Z",
        "paid_at": None,
        "attempt_count": 1,
        "next_payment_attempt": None,
        "failure_message": "Your card was declined.",
        "pdf_available": True,
    }


def test_draft_invoices_have_no_pdf(new_agent):
    account_id, agent = new_agent()
    draft = save_invoice(account_id, payment_status="pending", status="draft")

    assert agent.get(f"/v1/billing/invoices/{draft.invoice_id}").json()["pdf_available"] is False


def test_150_invoices_page_by_40_with_no_duplicates_or_gaps(new_agent):
    account_id, agent = new_agent()
    invoices = [
        build_invoice(account_id, created=BASE_TIME + timedelta(hours=n)) for n in range(150)
    ]
    save_invoices(invoices)
    expected = [invoice.invoice_id for invoice in reversed(invoices)]

    pages = collect_pages(agent, limit=40)

    assert [len(page) for page in pages] == [40, 40, 40, 30]
    assert [item for page in pages for item in page] == expected


def test_a_full_last_page_has_no_cursor(new_agent):
    account_id, agent = new_agent()
    save_invoices(
        build_invoice(account_id, created=BASE_TIME + timedelta(hours=n)) for n in range(40)
    )

    assert [len(page) for page in collect_pages(agent, limit=20)] == [20, 20]


def test_every_status_filter_returns_exactly_that_status(new_agent):
    account_id, agent = new_agent()
    invoices = [
        build_invoice(
            account_id,
            created=BASE_TIME + timedelta(days=n),
            payment_status=PAYMENT_STATUSES[n % len(PAYMENT_STATUSES)],
        )
        for n in range(6 * len(PAYMENT_STATUSES) + 1)
    ]
    save_invoices(invoices)

    for status in PAYMENT_STATUSES:
        expected = [
            invoice.invoice_id for invoice in reversed(invoices) if invoice.payment_status == status
        ]
        pages = collect_pages(agent, limit=4, status=status)
        assert [item for page in pages for item in page] == expected, status
        assert all(len(page) == 4 for page in pages[:-1]), status
        listed = agent.get("/v1/billing/invoices", params={"status": status, "limit": 100})
        assert {item["payment_status"] for item in listed.json()["invoices"]} == {status}


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"status": "overdue"}, {"status": "open"}],
)
def test_bad_query_parameters_are_400(new_agent, params):
    _, agent = new_agent()

    response = agent.get("/v1/billing/invoices", params=params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert [problem["field"] for problem in error["fields"]] == list(params)


def test_default_limit_is_20(new_agent):
    account_id, agent = new_agent()
    save_invoices(
        build_invoice(account_id, created=BASE_TIME + timedelta(hours=n)) for n in range(25)
    )

    body = agent.get("/v1/billing/invoices").json()

    assert len(body["invoices"]) == 20
    assert body["next_cursor"]


def _first_cursor(agent, **params) -> str:
    cursor = agent.get("/v1/billing/invoices", params={"limit": 1, **params}).json()["next_cursor"]
    assert cursor
    return str(cursor)


def _tampered(cursor: str) -> str:
    middle = len(cursor) // 2
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


def test_tampered_foreign_and_mismatched_cursors_are_refused(new_agent):
    first_id, first = new_agent()
    second_id, second = new_agent()
    for account_id in (first_id, second_id):
        save_invoices(
            build_invoice(account_id, created=BASE_TIME + timedelta(days=n), payment_status="paid")
            for n in range(3)
        )
    cursor = _first_cursor(first)
    paid_cursor = _first_cursor(first, status="paid")

    attempts = {
        "tampered": (first, {"cursor": _tampered(cursor)}),
        "garbage": (first, {"cursor": "not-a-cursor"}),
        "another account's": (second, {"cursor": cursor}),
        "another filter's": (first, {"cursor": paid_cursor}),
        "unfiltered used with a filter": (first, {"cursor": cursor, "status": "paid"}),
    }
    for name, (agent, params) in attempts.items():
        response = agent.get("/v1/billing/invoices", params=params)
        assert response.status_code == 400, name
        assert response.json()["error"]["code"] == "invalid_cursor", name
        assert "invoices" not in response.json(), name
    # The genuine cursor still works for its own account.
    assert first.get("/v1/billing/invoices", params={"cursor": cursor}).status_code == 200


def test_another_accounts_invoice_is_404_and_never_listed(new_agent):
    owner_id, owner = new_agent()
    _, stranger = new_agent()
    invoice = save_invoice(owner_id)

    detail = stranger.get(f"/v1/billing/invoices/{invoice.invoice_id}")
    download = stranger.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert detail.status_code == 404
    assert detail.json()["error"]["code"] == "not_found"
    assert download.status_code == 404
    assert stranger.get("/v1/billing/invoices").json()["invoices"] == []
    assert owner.get(f"/v1/billing/invoices/{invoice.invoice_id}").status_code == 200


@pytest.mark.parametrize("invoice_id", ["in_doesnotexist", "not-an-invoice-id", "in_" + "x" * 250])
def test_unknown_invoice_is_404(new_agent, invoice_id):
    _, agent = new_agent()

    response = agent.get(f"/v1/billing/invoices/{invoice_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_cancelled_account_keeps_its_billing_records(new_agent):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="paid")
    AccountModel.get(account_id).update(actions=[AccountModel.status.set(CANCELLED)])

    listed = agent.get("/v1/billing/invoices")
    detail = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}")
    download = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert agent.get("/v1/account").json()["error"]["code"] == "account_cancelled"
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["invoices"]] == [invoice.invoice_id]
    assert detail.status_code == 200
    assert download.status_code == 200, download.text
    assert download.json()["filename"] == f"invoice-{invoice.number}.pdf"


READ_PATH_SCRIPT = (
    PROBE_PREAMBLE
    + """
account_id, fresh_id, stale_id = sys.argv[1:4]
loaded = lambda: any(name == "fpdf" or name.startswith("fpdf.") for name in sys.modules)
steps = {}
import functions.invoice_listing.app as listing
for name in ("invoice_listing/list", "invoice_listing/list_failed", "invoice_listing/get"):
    response = listing.lambda_handler(sample_event(name, account_id, fresh_id), Context())
    steps[name] = [response["statusCode"], loaded()]
import functions.invoice_download.app as download
download_event = lambda invoice: sample_event("invoice_download/download", account_id, invoice)
response = download.lambda_handler(download_event(fresh_id), Context())
steps["download of a current pdf"] = [response["statusCode"], loaded()]
response = download.lambda_handler(download_event(stale_id), Context())
steps["download of a stale pdf"] = [response["statusCode"], loaded()]
print(json.dumps(steps))
"""
)


def test_read_paths_never_load_fpdf(stack, new_agent):
    """Not even for a stale PDF: the download asks the renderer function (through the local
    gateway's Lambda Invoke API), which renders it in its own process."""
    from shared.billing.invoices.rendering import render_and_store

    account_id, _ = new_agent()
    fresh = save_invoice(account_id, payment_status="paid")
    render_and_store(cached_settings(), fresh)
    stale = save_invoice(account_id, payment_status="failed", created=BASE_TIME - timedelta(1))

    steps = run_probe(stack, READ_PATH_SCRIPT, account_id, fresh.invoice_id, stale.invoice_id)

    assert steps == {
        "invoice_listing/list": [200, False],
        "invoice_listing/list_failed": [200, False],
        "invoice_listing/get": [200, False],
        "download of a current pdf": [200, False],
        "download of a stale pdf": [200, False],
    }
    rendered = InvoiceModel.get(account_id, stale.invoice_key, consistent_read=True)
    assert rendered.pdf_rendered_for == "failed"
