"""Writes sample API Gateway HTTP API v2 events (usable with `sam local invoke -e` and by the
tests) built by the same code the local gateway uses, so they cannot drift from it.

    python -m local.sample_events
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.cfn import ROOT
from local.http_events import build_http_event
from local.routing import load_functions_and_routes

DEMO_CLAIMS = {
    "sub": "agent-demo",
    "email": "dana@example.com",
    "iss": "https://auth.local.test",
    "aud": "account-billing-local",
    "iat": 1795920000,
    "exp": 1795923600,
}
SUPPORT_CLAIMS = {**DEMO_CLAIMS, "sub": "support-demo", "cognito:groups": ["support"]}

# (file, method, route path, concrete path, body, claims)
SAMPLES: list[tuple[str, str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = [
    ("account/health.json", "GET", "/v1/health", "/v1/health", None, None),
    ("billing_page/page.json", "GET", "/", "/", None, None),
    ("billing_page/asset.json", "GET", "/assets/{asset}", "/assets/app.js", None, None),
    ("account/get_account.json", "GET", "/v1/account", "/v1/account", None, DEMO_CLAIMS),
    (
        "card_update/create_setup_intent.json",
        "POST",
        "/v1/billing/setup-intents",
        "/v1/billing/setup-intents",
        None,
        DEMO_CLAIMS,
    ),
    ("card_update/get_card.json", "GET", "/v1/billing/card", "/v1/billing/card", None, DEMO_CLAIMS),
    (
        "card_update/put_card.json",
        "PUT",
        "/v1/billing/card",
        "/v1/billing/card",
        {"setup_intent_id": "seti_1Demo"},
        DEMO_CLAIMS,
    ),
    (
        "card_update/put_card_raw_card_data.json",
        "PUT",
        "/v1/billing/card",
        "/v1/billing/card",
        {"card": {"number": "4242424242424242", "cvc": "123"}},
        DEMO_CLAIMS,
    ),
    (
        "card_update/pay_invoice.json",
        "POST",
        "/v1/billing/invoices/{invoice_id}/pay",
        "/v1/billing/invoices/in_1Demo/pay",
        None,
        DEMO_CLAIMS,
    ),
    (
        "stripe_sync/resync.json",
        "POST",
        "/v1/support/accounts/{account_id}/resync",
        "/v1/support/accounts/agent-demo/resync",
        None,
        SUPPORT_CLAIMS,
    ),
    (
        "stripe_sync/catch_up.json",
        "POST",
        "/v1/support/stripe/catch-up",
        "/v1/support/stripe/catch-up",
        None,
        SUPPORT_CLAIMS,
    ),
    (
        "operations/operations.json",
        "GET",
        "/v1/support/operations",
        "/v1/support/operations",
        None,
        SUPPORT_CLAIMS,
    ),
    (
        "operations/redrive.json",
        "POST",
        "/v1/support/operations/dead-letters/{queue}/redrive",
        "/v1/support/operations/dead-letters/render/redrive",
        None,
        SUPPORT_CLAIMS,
    ),
]


def write_samples(target: Path = ROOT / "events") -> list[Path]:
    _, routes = load_functions_and_routes()
    written = []
    for file_name, method, route_path, path, body, claims in SAMPLES:
        route = next(r for r in routes if r.method == method and r.path == route_path)
        found = route.pattern.match(path)
        assert found is not None
        raw_body = json.dumps(body).encode() if body is not None else b""
        headers = {
            "host": "api.example.com",
            "user-agent": "sample",
            "content-type": "application/json",
        }
        if claims is not None:
            headers["authorization"] = "Bearer <token>"
        event = build_http_event(
            route,
            found.groupdict(),
            method=method,
            raw_path=path,
            raw_query="",
            headers=headers,
            body=raw_body,
            claims=claims,
        )
        event["requestContext"]["requestId"] = "sample-request-id"
        event["requestContext"]["timeEpoch"] = 1795920000000
        event["requestContext"]["time"] = "29/Nov/2026:03:20:00 +0000"
        destination = target / file_name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps(event, indent=2, sort_keys=True) + "\n")
        written.append(destination)
    return written


if __name__ == "__main__":
    for path in write_samples():
        print(path.relative_to(ROOT))
