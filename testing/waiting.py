"""Bounded waits for what arrives asynchronously: a webhook from localstripe, a message the
local SQS poller hands a consumer, a page catching up."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.data.tables.webhook_events import WebhookEventModel


def eventually[T](read: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Polls `read` until it gives something other than None."""
    deadline = time.monotonic() + timeout
    while (value := read()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing arrived within {timeout:.0f}s")
        time.sleep(0.1)
    return value


def wait_until[T](condition: Callable[[], T], timeout: float = 20.0) -> T:
    """Polls `condition` until it gives something true (a count reached, a page showing)."""
    return eventually(lambda: condition() or None, timeout)


def finished_record(event_id: str) -> WebhookEventModel | None:
    """The event's record once the consumer is done with it (any outcome but `processing`)."""
    try:
        record = WebhookEventModel.get(event_id)
    except WebhookEventModel.DoesNotExist:
        return None
    return None if record.outcome == "processing" else record
