"""Stripe events as the webhook receives them: the event envelope around an object, its
`Stripe-Signature` header (made with the local stack's secrets), and the API Gateway HTTP API
(payload v2) event that carries the signed body to the webhook function."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from local.stack import DEFAULT_WEBHOOK_SECRETS
from testing.stripe_objects import SAMPLE_TIME, new_id

PRIMARY_SECRET, ROTATED_SECRET = (s.strip() for s in DEFAULT_WEBHOOK_SECRETS.split(","))
API_VERSION = "2026-10-28.endive"


def stripe_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    created: int | None = None,
    event_id: str | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_header(
    payload: str, secret: str = PRIMARY_SECRET, timestamp: int | None = None
) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def api_gateway_event(
    payload: str,
    stripe_signature: str | None,
    *,
    base64_body: bool = False,
) -> dict[str, Any]:
    headers = {
        "content-type": "application/json; charset=utf-8",
        "host": "api.example.com",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
    if stripe_signature is not None:
        headers["stripe-signature"] = stripe_signature
    return {
        "version": "2.0",
        "routeKey": "POST /v1/webhooks/stripe",
        "rawPath": "/v1/webhooks/stripe",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "POST",
                "path": "/v1/webhooks/stripe",
                "protocol": "HTTP/1.1",
                "sourceIp": "3.18.12.63",
                "userAgent": headers["user-agent"],
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": "POST /v1/webhooks/stripe",
            "stage": "$default",
            "time": "29/Nov/2026:00:00:00 +0000",
            "timeEpoch": SAMPLE_TIME * 1000,
        },
        "body": base64.b64encode(payload.encode()).decode() if base64_body else payload,
        "isBase64Encoded": base64_body,
    }


def signed_api_event(
    stripe_event_body: dict[str, Any],
    *,
    secret: str = PRIMARY_SECRET,
    timestamp: int | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    payload = json.dumps(stripe_event_body, indent=2)
    return api_gateway_event(
        payload, signature_header(payload, secret, timestamp), base64_body=base64_body
    )


def payload_of(api_event: dict[str, Any]) -> str:
    body = str(api_event["body"])
    return base64.b64decode(body).decode() if api_event.get("isBase64Encoded") else body


def resign(api_event: dict[str, Any]) -> dict[str, Any]:
    """The event with a signature made now: the committed samples were signed at SAMPLE_TIME,
    long past the webhook's 300 s tolerance."""
    fresh = copy.deepcopy(api_event)
    fresh["headers"]["stripe-signature"] = signature_header(payload_of(api_event))
    return fresh


def with_object(api_event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A sample with fields of its data.object replaced (and its event id renewed), re-signed."""
    event = json.loads(payload_of(api_event))
    event["id"] = new_id("evt")
    event["data"]["object"].update(changes)
    return signed_api_event(event)
