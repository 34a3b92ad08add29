"""Stripe webhook verification: the signature over the raw body (API Gateway may hand it
base64-encoded), checked with every configured secret (rotation) within Stripe's 300 s
tolerance, and the body parsed into a `StripeEvent`. The request path and the consumer both
parse events with `parse_event`."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe

from shared.errors import InvalidRequest, InvalidSignature
from shared.stripe.reads import StripeMapping

SIGNATURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    created: int
    object: StripeMapping
    previous_attributes: StripeMapping = field(default_factory=dict)


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("The body is not valid base64.") from None
    return str(body).encode("utf-8")


def signature_header(event: Mapping[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "stripe-signature":
            return str(value)
    return None


def verify_signature(
    payload: bytes, header: str | None, secrets: list[str], *, tolerance: int
) -> str:
    """The payload as text once one of the secrets' signatures matches and is recent enough."""
    if not header:
        raise InvalidSignature("The Stripe-Signature header is missing.")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSignature("The payload does not match its Stripe signature.") from None
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, header, secret, tolerance)
        except stripe.SignatureVerificationError:
            continue
        return text
    raise InvalidSignature(
        "The Stripe signature does not match the payload, or its timestamp is too old."
    )


REFERENCE_KEY = "by_reference"


def event_reference(event: StripeEvent) -> dict[str, object]:
    """A queue message naming an event too large to carry (see intake.MAX_QUEUED_BODY_BYTES)."""
    return {"id": event.id, "type": event.type, REFERENCE_KEY: True}


def referenced_event_id(text: str) -> str | None:
    """The event id when a queue message is a reference rather than the event itself."""
    if REFERENCE_KEY not in text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get(REFERENCE_KEY) is True and parsed.get("id"):
        return str(parsed["id"])
    return None


def parse_event(text: str) -> StripeEvent:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidRequest("The webhook body is not valid JSON.") from None
    return event_from(parsed)


def event_from(parsed: object) -> StripeEvent:
    """A decoded event: from a webhook body, a queue message or Stripe's Events API."""
    if not isinstance(parsed, Mapping):
        raise InvalidRequest("The webhook body is not a Stripe event.")
    data = parsed.get("data")
    event_id, event_type, created = parsed.get("id"), parsed.get("type"), parsed.get("created")
    if (
        not isinstance(event_id, str)
        or not event_id
        or not isinstance(event_type, str)
        or not isinstance(created, int)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise InvalidRequest("The webhook body is not a Stripe event.")
    previous = data.get("previous_attributes")
    return StripeEvent(
        id=event_id,
        type=event_type,
        created=created,
        object=data["object"],
        previous_attributes=previous if isinstance(previous, dict) else {},
    )


def verified_body(api_event: Mapping[str, Any], secrets: list[str]) -> tuple[StripeEvent, str]:
    """The event and its body as Stripe sent it, once the signature matches."""
    text = verify_signature(
        raw_body(api_event),
        signature_header(api_event),
        secrets,
        tolerance=SIGNATURE_TOLERANCE_SECONDS,
    )
    return parse_event(text), text
