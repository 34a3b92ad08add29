"""Object keys no one can guess, and presigned links that expire fast and force a PDF download."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.config import Settings
from shared.data.connection import configure_models
from shared.data.storage import download_filename, new_pdf_key, presign_download, presigned_get_url
from shared.runtime import cached_settings, reset
from shared.timeutil import utc_now


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit")
    settings = Settings(
        aws_endpoint_url="http://127.0.0.1:9",
        invoice_bucket="invoices-unit",
        presigned_url_ttl_seconds=300,
    )
    configure_models(settings)  # the presigner signs with the data layer's credentials
    yield settings
    # The models are process-wide: point them back at this process's own configuration.
    reset()
    cached_settings()


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


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", None])
@pytest.mark.parametrize("key", ["invoices/agent-1/in_1-ab.pdf", "invoices/a b/ünï ~x+y.pdf"])
def test_presigner_signs_exactly_like_boto3(endpoint, key, monkeypatch):
    """Same instant, same credentials: our client-free presigner and boto3's S3 client must sign
    identically (moto does not check signatures, so this is the proof)."""
    import boto3
    from botocore.config import Config
    from botocore.credentials import ReadOnlyCredentials

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # boto3 would honour it over None
    params = {
        "response-content-disposition": 'attachment; filename="invoice-A1.pdf"',
        "response-content-type": "application/pdf",
    }
    client = boto3.client(
        "s3",
        region_name="eu-west-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        aws_session_token="token",
        config=Config(
            signature_version="s3v4",
            s3={
                "addressing_style": "path" if endpoint else "virtual",
                "us_east_1_regional_endpoint": "regional",
            },
        ),
    )
    expected = client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": "invoices-unit",
            "Key": key,
            "ResponseContentDisposition": params["response-content-disposition"],
            "ResponseContentType": params["response-content-type"],
        },
        ExpiresIn=300,
    )
    signed_at = parse_qs(urlsplit(expected).query)["X-Amz-Date"][0]
    instant = datetime.strptime(signed_at, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: instant)
    settings = Settings(
        aws_endpoint_url=endpoint, invoice_bucket="invoices-unit", aws_region="eu-west-1"
    )

    ours = presigned_get_url(
        settings,
        key,
        ttl=300,
        response_params=params,
        credentials=ReadOnlyCredentials("AKIDEXAMPLE", "secret", "token"),
    )

    ours_parts, expected_parts = urlsplit(ours), urlsplit(expected)
    assert (ours_parts.scheme, ours_parts.netloc, ours_parts.path) == (
        expected_parts.scheme,
        expected_parts.netloc,
        expected_parts.path,
    )
    # Same parameters, same signature (the order of parameters in a URL does not matter).
    assert parse_qs(ours_parts.query) == parse_qs(expected_parts.query)
