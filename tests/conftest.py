"""Shared fixtures. Integration and e2e tests run against the real local stack (moto server,
localstripe, local API gateway) started once per test session on free ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from local.seed import stripe_for
from local.stack import LocalStack, StackConfig
from testing.api_client import Api


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local_stack = LocalStack(StackConfig.on_free_ports(prefix=f"test-{uuid.uuid4().hex[:6]}"))
    local_stack.start()
    try:
        yield local_stack
    finally:
        local_stack.stop()


@pytest.fixture(scope="session")
def support_api(stack: LocalStack) -> Api:
    return Api(stack.api_url, stack.token("support-staff", groups=["support", "admin"]))


@pytest.fixture(scope="session")
def stripe_client(stack: LocalStack) -> stripe.StripeClient:
    """A client of the stack's localstripe, with its secret key."""
    return stripe_for(stack)


@pytest.fixture
def new_agent(stack: LocalStack, support_api: Api):
    """Creates a fresh agent (with a Stripe customer in localstripe) and returns its client."""

    def create(territories: list[str] | None = None, **fields: Any) -> tuple[str, Api]:
        account_id = fields.pop("account_id", f"agent-{uuid.uuid4().hex[:10]}")
        body = {
            "account_id": account_id,
            "email": f"{account_id}@example.com",
            "name": fields.pop("name", "Test Agent"),
            "territories": territories or ["78701"],
            **fields,
        }
        response = support_api.post("/v1/support/accounts", json=body)
        assert response.status_code == 201, response.text
        return account_id, Api(stack.api_url, stack.token(account_id))

    return create
