"""What the tests do to localstripe besides the seed's steps (local.seed): find an account's
customer, and lose the webhook deliveries of whatever changes meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from shared.data.tables.accounts import AccountModel

if TYPE_CHECKING:
    from local.stack import LocalStack

# Nothing listens there: a delivery fails at once, and localstripe never retries it.
DEAD_URL = "http://127.0.0.1:9/"


def customer_of(account_id: str) -> str:
    """The account's Stripe customer id (every agent made through the API has one)."""
    customer = AccountModel.get(account_id).stripe_customer_id
    assert customer
    return customer


@contextmanager
def deliveries_lost(stack: LocalStack) -> Iterator[None]:
    """LOCALSTRIPE.md: the stack's webhook registered to a dead URL while the block changes
    things, the (never retried) deliveries left time to fail, then the real URL again."""
    stack.register_webhook(DEAD_URL)
    try:
        yield
        time.sleep(2.5)  # localstripe delivers about a second after each change
    finally:
        stack.register_webhook()
