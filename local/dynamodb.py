"""moto's DynamoDB, made as faithful as our guarantees need.

- **Atomic writes.** DynamoDB applies each write atomically: a conditional put, an ADD to a
  counter, a transaction. moto's server answers on many threads and applies a write as plain
  Python read-modify-write, so two at once can lose an increment or both pass one condition
  (a concurrent-delivery test once counted 48 duplicates of 49). Our exactly-once and
  no-lost-lead guarantees rest on that atomicity, so the local DynamoDB answers one request
  at a time.
- **Idempotent transactions.** DynamoDB remembers a TransactWriteItems `ClientRequestToken`
  for 10 minutes: the same request again (a retry after a lost response) succeeds without
  applying twice; the same token with other parameters is IdempotentParameterMismatch. moto
  ignores the token, so a retried lead move would be applied, or refused, a second time."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from moto.dynamodb.responses import DynamoHandler

IDEMPOTENCY_WINDOW_SECONDS = 600
_REQUEST_LOCK = threading.Lock()
# token -> (when, the request without its token, the first answer)
_transactions: dict[str, tuple[float, str, Any]] = {}


def make_moto_dynamodb_faithful() -> None:
    if getattr(DynamoHandler.call_action, "faithful", False):
        return
    unsafe = DynamoHandler.call_action

    def call_action(handler: DynamoHandler) -> Any:
        with _REQUEST_LOCK:
            if handler._get_action() == "TransactWriteItems":
                return _idempotent_transaction(handler, lambda: unsafe(handler))
            return unsafe(handler)

    call_action.faithful = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _idempotent_transaction(handler: DynamoHandler, apply: Any) -> Any:
    request = dict(getattr(handler, "params", {}) or {})
    token = request.pop("ClientRequestToken", None)
    if not token:
        return apply()
    fingerprint = json.dumps(request, sort_keys=True, default=str)
    now = time.monotonic()
    seen = _transactions.get(token)
    if seen is not None and now - seen[0] < IDEMPOTENCY_WINDOW_SECONDS:
        if seen[1] == fingerprint:
            return seen[2]
        return _error(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
        )
    answer = apply()
    if answer[0] == 200:
        _transactions[token] = (now, fingerprint, answer)
    return answer


def _error(kind: str, message: str) -> tuple[int, dict[str, str], str]:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{kind}", "message": message})
    return 400, {"Content-Type": "application/x-amz-json-1.0"}, body
