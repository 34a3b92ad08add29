"""The browser journeys' fixtures: Chromium (launched once per module that asks for it), a fresh
page, and a support agent's token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.stack import LocalStack
from testing.browser import chromium, open_page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a context of its own; `page.problems` collects its console's errors."""
    with open_page(browser) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def support_token(stack: LocalStack) -> str:
    return str(stack.token("support-console", groups=["support"], email="sam@example.com"))
