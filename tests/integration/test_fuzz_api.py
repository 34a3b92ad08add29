"""Schemathesis fuzzes every documented route of the running local stack with valid agent and
support tokens: no answer may be a 5xx, and every answer must match the OpenAPI document."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
)

from local.cfn import ROOT
from shared.errors import InvalidRequest, RawCardDataRejected
from shared.http.app import BILLING_PATHS
from shared.http.gate import check_body

schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")


@pytest.fixture(scope="module")
def tokens(stack, support_api) -> dict[str, str]:
    agent_id = f"fuzz-agent-{uuid.uuid4().hex[:8]}"
    response = support_api.post(
        "/v1/support/accounts",
        json={
            "account_id": agent_id,
            "email": f"{agent_id}@example.com",
            "name": "Fuzz",
            "territories": ["78701"],
        },
    )
    assert response.status_code == 201, response.text
    return {"agent": stack.token(agent_id), "support": support_api.token}


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_route_answers_within_the_contract(case, stack, tokens):
    role = "support" if case.path.startswith("/v1/support/") else "agent"
    response = case.call(
        base_url=stack.api_url, headers={"Authorization": f"Bearer {tokens[role]}"}
    )

    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    # API Gateway HTTP APIs answer an undeclared method with 404 (no such route), not 405.
    excluded = [unsupported_method]
    if case.method == "GET":
        # Reads ignore unknown query parameters (as API Gateway APIs commonly do).
        excluded.append(negative_data_rejection)
    if (
        (case.query or {}).get("cursor")
        or case.path == "/v1/webhooks/stripe"
        or _names_a_stripe_customer(case.body)
        or _refused_by_the_gate(case)
    ):
        # Cursors are opaque (only the ones we issued are valid), only Stripe can sign, a
        # given Stripe customer must exist in Stripe, and the body gate's rules reach
        # properties the document does not declare.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)


def _names_a_stripe_customer(body: Any) -> bool:
    return isinstance(body, dict) and bool(body.get("stripe_customer_id"))


def _refused_by_the_gate(case: Any) -> bool:
    """The body gate's rules (number sizes, card data in any spelling at any depth; API.md,
    "Hostile input") apply to properties the document does not declare, so a body it calls
    valid may still be refused; the gate itself decides which."""
    if not isinstance(case.body, dict | list):
        return False
    try:
        check_body(json.dumps(case.body), card_values=case.path.startswith(BILLING_PATHS))
    except (InvalidRequest, RawCardDataRejected):
        return True
    return False
