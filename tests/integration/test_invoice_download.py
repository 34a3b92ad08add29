"""GET /v1/billing/invoices/{id}/download: render when needed, then a short presigned link."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pypdf import PdfReader

from shared.billing.invoices.renderer_client import lambda_client
from shared.data.storage import s3_client
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings, reset
from testing.invoice_factory import save_invoice


@pytest.fixture(autouse=True)
def data_layer(stack):
    cached_settings()


def stored_object(key: str) -> Any:
    settings = cached_settings()
    return s3_client(settings).get_object(Bucket=settings.invoice_bucket, Key=key)


def reload(invoice: InvoiceModel) -> InvoiceModel:
    return InvoiceModel.get(invoice.account_id, invoice.invoice_key, consistent_read=True)


def pdf_text(document: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def test_download_renders_the_pdf_and_the_link_serves_the_stored_bytes(new_agent):
    account_id, agent = new_agent(name="Zoë Ångström-Łukasz")
    invoice = save_invoice(
        account_id,
        payment_status="paid",
        number="A1B2-0003",
        customer_name="Zoë Ångström-Łukasz",
    )
    requested_at = datetime.now(UTC)

    response = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"url", "expires_at", "filename"}
    assert body["filename"] == "invoice-A1B2-0003.pdf"
    expires_at = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    query = parse_qs(urlsplit(body["url"]).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 300
    # expires_at is what the signature says: signed at X-Amz-Date, valid X-Amz-Expires seconds.
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert signed_at >= requested_at - timedelta(seconds=1)
    expected_expiry = signed_at + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    assert abs((expires_at - expected_expiry).total_seconds()) <= 1

    saved = reload(invoice)
    assert saved.pdf_key
    assert saved.pdf_rendered_for == "paid"
    assert invoice.invoice_id in saved.pdf_key
    assert saved.pdf_key != f"invoices/{account_id}/{invoice.invoice_id}.pdf"  # not guessable
    stored = stored_object(saved.pdf_key)
    assert stored["ServerSideEncryption"] == "AES256"
    stored_bytes = stored["Body"].read()

    downloaded = requests.get(body["url"], timeout=10)

    assert downloaded.status_code == 200
    assert downloaded.content == stored_bytes
    assert downloaded.headers["Content-Type"] == "application/pdf"
    assert downloaded.headers["Content-Disposition"] == (
        'attachment; filename="invoice-A1B2-0003.pdf"'
    )
    text = pdf_text(downloaded.content)
    assert "A1B2-0003" in text
    assert "PAID" in text
    assert "Zoë Ångström-Łukasz" in text


def test_a_current_pdf_is_not_rendered_again(new_agent):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="failed")
    agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")
    first_key = reload(invoice).pdf_key

    response = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 200
    assert reload(invoice).pdf_key == first_key
    assert urlsplit(response.json()["url"]).path.endswith(str(first_key))


def test_a_stale_pdf_is_rendered_again_for_the_new_status(new_agent):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="failed", amount=29900)
    agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")
    failed_pdf = reload(invoice)
    assert failed_pdf.pdf_rendered_for == "failed"
    # The invoice gets paid (as the webhook would record it); the stored PDF says PAYMENT FAILED.
    failed_pdf.update(
        actions=[
            InvoiceModel.status.set("paid"),
            InvoiceModel.payment_status.set("paid"),
            InvoiceModel.amount_paid.set(29900),
            InvoiceModel.amount_remaining.set(0),
            InvoiceModel.failure_message.remove(),
        ]
    )

    response = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 200
    paid_pdf = reload(invoice)
    assert paid_pdf.pdf_rendered_for == "paid"
    assert paid_pdf.pdf_key != failed_pdf.pdf_key
    text = pdf_text(requests.get(response.json()["url"], timeout=10).content)
    assert "PAID" in text
    assert "PAYMENT FAILED" not in text
    old_text = pdf_text(stored_object(str(failed_pdf.pdf_key))["Body"].read())
    assert "PAYMENT FAILED" in old_text


def test_zero_decimal_invoice_downloads_with_yen_amounts(new_agent):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, currency="jpy", amount=29900, payment_status="pending")

    url = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download").json()["url"]

    text = pdf_text(requests.get(url, timeout=10).content)
    assert "¥29,900" in text
    assert "PAYMENT DUE" in text


def test_a_draft_invoice_is_not_finalized(new_agent):
    account_id, agent = new_agent()
    draft = save_invoice(account_id, payment_status="pending", status="draft")

    response = agent.get(f"/v1/billing/invoices/{draft.invoice_id}/download")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_not_finalized"
    assert reload(draft).pdf_key is None


def test_unknown_invoice_download_is_404(new_agent):
    _, agent = new_agent()

    response = agent.get("/v1/billing/invoices/in_nothing/download")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.fixture
def renderer_named(monkeypatch):
    """Configures the download with another renderer function name (as the template sets
    RENDERER_FUNCTION_NAME), then restores it."""

    def rename(name: str) -> None:
        monkeypatch.setenv("RENDERER_FUNCTION_NAME", name)
        reset()

    yield rename
    monkeypatch.undo()
    reset()


def test_a_renderer_that_cannot_be_reached_is_a_503_and_changes_nothing(new_agent, renderer_named):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="paid", amount=29900)
    renderer_named("NoSuchRendererFunction")

    response = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert reload(invoice).pdf_key is None


def test_the_renderer_answers_a_direct_invocation_with_the_key(stack, new_agent):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="failed", amount=29900)
    renderer = lambda_client(cached_settings())

    def invoke(payload: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        response = renderer.invoke(
            FunctionName="InvoiceRendererFunction", Payload=json.dumps(payload).encode()
        )
        return json.loads(response["Payload"].read()), response.get("FunctionError")

    rendered, error = invoke({"account_id": account_id, "invoice_id": invoice.invoice_id})
    assert error is None
    assert rendered == {"pdf_key": reload(invoice).pdf_key}
    assert "PAYMENT FAILED" in pdf_text(stored_object(rendered["pdf_key"])["Body"].read())
    # Nothing to render for an invoice that does not exist (or is not this account's).
    assert invoke({"account_id": account_id, "invoice_id": "in_gone"}) == ({"pdf_key": None}, None)
    # A request that is not one fails as the renderer's error, not as a key.
    refused, error = invoke({"account_id": account_id, "invoice_id": "not-an-invoice"})
    assert error == "Unhandled"
    assert refused["errorType"] == "ValidationError"
