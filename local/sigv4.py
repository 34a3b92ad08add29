"""Checks an AWS Signature Version 4 `Authorization` header against one set of credentials, as
AWS does before it serves a request: the same canonical request, string to sign and signing key
as the client (botocore) built, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)
AUTHORIZATION = re.compile(
    rf"{ALGORITHM} Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed_headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Refusal:
    """Why the request is refused, as AWS names it (`x-amzn-ErrorType`), and a sentence."""

    error_type: str
    message: str


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    return "&".join(f"{key}={value}" for key, _, value in sorted(pairs))


def _canonical_headers(headers: Message, names: list[str]) -> str:
    lines = []
    for name in names:
        values = headers.get_all(name) or []
        lines.append(f"{name}:{','.join(' '.join(value.split()) for value in values)}")
    return "\n".join(lines) + "\n"


def verify(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Message,
    body: bytes,
    access_key_id: str,
    secret_access_key: str,
    service: str,
    now: datetime | None = None,
) -> Refusal | None:
    """None when the request is signed with these credentials for this service; else why not."""
    found = AUTHORIZATION.fullmatch((headers.get("Authorization") or "").strip())
    if found is None:
        return Refusal("MissingAuthenticationTokenException", "The request is not SigV4-signed.")
    key_id, _, scope = found["credential"].partition("/")
    if not hmac.compare_digest(key_id.encode(), access_key_id.encode()):
        return Refusal(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    amz_date = headers.get("X-Amz-Date") or ""
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return Refusal("IncompleteSignatureException", "X-Amz-Date is missing or malformed.")
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_CLOCK_SKEW:
        return Refusal("InvalidSignatureException", "Signature expired.")
    scope_parts = scope.split("/")
    if (
        len(scope_parts) != 4
        or scope_parts[0] != amz_date[:8]
        or scope_parts[2] != service
        or scope_parts[3] != "aws4_request"
    ):
        return Refusal("InvalidSignatureException", "The credential scope is not valid.")
    signed_names = found["signed_headers"].split(";")
    if "host" not in signed_names or signed_names != sorted(signed_names):
        return Refusal("InvalidSignatureException", "The signed headers are not valid.")
    # Always the body's own hash: an "UNSIGNED-PAYLOAD" claim is S3's, not Lambda's.
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join(
        [
            method.upper(),
            quote(raw_path, safe="/~"),  # the path as sent, encoded once more (not S3)
            _canonical_query(raw_query),
            _canonical_headers(headers, signed_names),
            found["signed_headers"],
            payload_hash,
        ]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{secret_access_key}".encode()
    for part in scope_parts:
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, found["signature"]):
        return Refusal(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None
