"""Shared fixtures. Integration and e2e tests run against the real local stack (moto server,
localstripe, local API gateway) started once per test session on free ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.stack import LocalStack, StackConfig


class Api:
    """A thin HTTP client for the local gateway; tests read statuses and JSON like a client."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=60, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


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
