"""The private invoice bucket: unguessable object keys, encrypted puts, short-lived downloads.

Presigned URLs are SigV4 on the regional endpoint and force the browser to save a PDF
(`Content-Disposition: attachment`, `Content-Type: application/pdf`)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from shared.config import Settings
from shared.timeutil import utc_now

PDF_CONTENT_TYPE = "application/pdf"
_UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PresignedDownload:
    url: str
    expires_at: datetime
    filename: str


@cache
def s3_client(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=Config(
            signature_version="s3v4",
            s3={
                # The local S3 (moto) answers on one host: path style. In AWS: virtual hosts.
                "addressing_style": "path" if settings.aws_endpoint_url else "virtual",
                "us_east_1_regional_endpoint": "regional",
            },
        ),
    )


def new_pdf_key(account_id: str, invoice_id: str) -> str:
    """A fresh key per rendering: 128 random bits make it unguessable from the invoice id, and a
    key is never overwritten, so a key recorded with a status always holds that status's PDF."""
    return f"invoices/{account_id}/{invoice_id}-{secrets.token_hex(16)}.pdf"


def put_pdf(settings: Settings, key: str, data: bytes) -> None:
    s3_client(settings).put_object(
        Bucket=settings.invoice_bucket,
        Key=key,
        Body=data,
        ContentType=PDF_CONTENT_TYPE,
        ServerSideEncryption="AES256",
    )


def download_filename(number: str | None, invoice_id: str) -> str:
    stem = _UNSAFE_FILENAME_CHARACTERS.sub("-", number or invoice_id).strip("-.") or invoice_id
    return f"invoice-{stem}.pdf"


def presign_download(settings: Settings, key: str, filename: str) -> PresignedDownload:
    ttl = settings.presigned_url_ttl_seconds
    issued_at = utc_now()
    url = s3_client(settings).generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings.invoice_bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": PDF_CONTENT_TYPE,
        },
        ExpiresIn=ttl,
    )
    return PresignedDownload(
        url=str(url), expires_at=issued_at + timedelta(seconds=ttl), filename=filename
    )
