"""Opaque pagination cursors. A cursor is DynamoDB's LastEvaluatedKey bound to the account (or
scope) it was issued for and signed with HMAC, so a tampered cursor, or one issued to another
account, is refused instead of leaking data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any

from shared.errors import InvalidCursor


def encode_cursor(
    last_evaluated_key: dict[str, Any] | None, *, scope: str, key: bytes
) -> str | None:
    if not last_evaluated_key:
        return None
    payload = json.dumps({"s": scope, "k": last_evaluated_key}, sort_keys=True).encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, scope: str, key: bytes) -> dict[str, Any] | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature, payload = raw[:16], raw[16:]
        expected = hmac.new(key, payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(signature, expected):
            raise ValueError("bad signature")
        decoded = json.loads(payload)
    except ValueError:
        raise InvalidCursor("This cursor was not issued for this listing.") from None
    if decoded.get("s") != scope or not isinstance(decoded.get("k"), dict):
        raise InvalidCursor("This cursor was not issued for this listing.")
    return dict(decoded["k"])


def signed_page[T](
    query: Callable[[dict[str, Any] | None], Iterable[T]],
    *,
    cursor: str | None,
    scope: str,
    key: bytes,
) -> tuple[list[T], str | None]:
    """Runs `query(start_key)` from the cursor's position; returns its items and the signed
    cursor of the next page (None on the last)."""
    result = query(decode_cursor(cursor, scope=scope, key=key))
    items = list(result)
    last_key = getattr(result, "last_evaluated_key", None)
    return items, encode_cursor(last_key, scope=scope, key=key)
