"""Object keys no one can guess, and presigned links that expire fast and force a PDF download."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.config import Settings
from shared.storage import download_filename, new_pdf_key, presign_download
from shared.timeutil import utc_now


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit")
    return Settings(
        aws_endpoint_url="http://127.0.0.1:9",
        invoice_bucket="invoices-unit",
        presigned_url_ttl_seconds=300,
    )


def test_pdf_keys_are_private_to_the_account_and_unguessable():
    first = new_pdf_key("agent-1", "in_123")
    second = new_pdf_key("agent-1", "in_123")

    assert first.startswith("invoices/agent-1/in_123-")
    assert first.endswith(".pdf")
    assert first != second
    suffix = first.removeprefix("invoices/agent-1/in_123-").removesuffix(".pdf")
    assert len(suffix) >= 32  # 128 random bits, hex


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("A1B2-0003", "invoice-A1B2-0003.pdf"),
        (None, "invoice-in_123.pdf"),
        ('A"B/../C', "invoice-A-B-..-C.pdf"),
    ],
)
def test_download_filenames_are_safe_in_a_header(number, expected):
    assert download_filename(number, "in_123") == expected


def test_presigned_url_is_sigv4_short_lived_and_forces_an_attachment(settings):
    before = utc_now()

    link = presign_download(settings, "invoices/agent-1/in_123-abc.pdf", "invoice-A1B2-0003.pdf")

    parts = urlsplit(link.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.path == "/invoices-unit/invoices/agent-1/in_123-abc.pdf"  # path style locally
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert int(query["X-Amz-Expires"]) <= 300
    assert query["response-content-disposition"] == 'attachment; filename="invoice-A1B2-0003.pdf"'
    assert query["response-content-type"] == "application/pdf"
    assert link.expires_at <= before + timedelta(seconds=301)
    assert link.filename == "invoice-A1B2-0003.pdf"


def test_presigned_urls_never_outlive_five_minutes():
    with pytest.raises(ValueError, match="presigned_url_ttl_seconds"):
        Settings(presigned_url_ttl_seconds=301)
