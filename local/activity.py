"""What the local stack is doing: every answered request and every queue batch, reported to
whoever listens (the `make dev` terminal prints one line each), and whether it has gone quiet
(the ready block waits for the seed's webhooks and renders to settle)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestDone:
    """One answered request: on the API (`GET /v1/account`) or Lambda's Invoke API."""

    method: str
    path: str
    status: int
    milliseconds: float
    function: str | None


@dataclass(frozen=True)
class BatchDone:
    """One SQS batch handed to its consumer, as Lambda's event source mapping does."""

    queue: str
    messages: int
    failures: int
    milliseconds: float
    function: str


Listener = Callable[[RequestDone | BatchDone], None]


class Activity:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last_change = time.monotonic()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.remove(listener)

    @contextmanager
    def working(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self._last_change = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._last_change = time.monotonic()

    def report(self, done: RequestDone | BatchDone) -> None:
        with self._lock:
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener(done)

    def is_quiet(self, quiet_seconds: float) -> bool:
        with self._lock:
            return self._in_flight == 0 and time.monotonic() - self._last_change >= quiet_seconds

    def wait_until_quiet(self, *, quiet_seconds: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.is_quiet(quiet_seconds):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True
