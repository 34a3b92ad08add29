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
from urllib.parse import quote

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config

from shared.config import Settings
from shared.data.connection import shared_connection
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
    """Only the render path writes to S3; importing boto3 here keeps it off the download path."""
    import boto3

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


def presigned_get_url(
    settings: Settings, key: str, *, ttl: int, response_params: dict[str, str], credentials: Any
) -> str:
    """A SigV4 presigned S3 GET, signed with botocore's own S3 query signer.

    Same URL as `s3_client().generate_presigned_url("get_object", ...)` (a test proves it),
    without building an S3 client: loading S3's service description costs ~0.5 s of cold start
    on the download path, where nothing else needs it."""
    if settings.aws_endpoint_url:  # local S3 (moto): one host, path style
        base = f"{settings.aws_endpoint_url.rstrip('/')}/{settings.invoice_bucket}"
    else:  # regional virtual-hosted endpoint
        base = f"https://{settings.invoice_bucket}.s3.{settings.aws_region}.amazonaws.com"
    request = AWSRequest(method="GET", url=f"{base}/{quote(key, safe='/~')}")
    request.params = dict(response_params)
    S3SigV4QueryAuth(credentials, "s3", settings.aws_region, expires=ttl).add_auth(request)
    return str(request.url)


def presign_download(settings: Settings, key: str, filename: str) -> PresignedDownload:
    ttl = settings.presigned_url_ttl_seconds
    issued_at = utc_now()
    # The data layer's botocore session already resolved the function's credentials.
    resolved = shared_connection().session.get_credentials()
    if resolved is None:
        raise RuntimeError("no AWS credentials to sign the download link with")
    credentials = resolved.get_frozen_credentials()
    url = presigned_get_url(
        settings,
        key,
        ttl=ttl,
        response_params={
            "response-content-disposition": f'attachment; filename="{filename}"',
            "response-content-type": PDF_CONTENT_TYPE,
        },
        credentials=credentials,
    )
    return PresignedDownload(
        url=url, expires_at=issued_at + timedelta(seconds=ttl), filename=filename
    )
