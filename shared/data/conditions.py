"""Telling "this write's condition did not hold" from every other failure, in one place.

A conditional write that DynamoDB refuses because its condition is false is a domain answer
(a duplicate, a stale event, a state that no longer allows the change). Anything else (a
throttled request, a transaction that collided with another one, a validation error) is not:
it must never be reported as "already exists" or 409, so these helpers answer False for it
and the caller lets it propagate (the HTTP edge answers 503, a consumer's message is retried).
"""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


def _response_code(error: PynamoDBException) -> str | None:
    # PynamoDB's cause_response_code fails on a cause that carries no answer (a dropped
    # connection), so the code is read from DynamoDB's answer only when there is one.
    if isinstance(error.cause, ClientError):
        return str(error.cause.response.get("Error", {}).get("Code"))
    return None


def condition_failed(error: PynamoDBException) -> bool:
    """A single-item write (PutItem, UpdateItem, DeleteItem) refused by its condition."""
    return _response_code(error) == f"{CONDITION_FAILED}Exception"


def cancellation_codes(error: TransactWriteError) -> dict[int, str]:
    """Position of each item that cancelled the transaction -> DynamoDB's reason code."""
    if _response_code(error) != "TransactionCanceledException":
        return {}
    return {
        index: reason.code
        for index, reason in enumerate(error.cancellation_reasons or [])
        if reason is not None and reason.code not in (None, "None")
    }


def transaction_condition_failed(error: TransactWriteError, *, item: int | None = None) -> bool:
    """The transaction was cancelled by failed conditions and nothing else (no conflict, no
    throttling); with `item`, the condition of the item at that position was one of them."""
    codes = cancellation_codes(error)
    if not codes or any(code != CONDITION_FAILED for code in codes.values()):
        return False
    return item is None or codes.get(item) == CONDITION_FAILED


def answer_lost(error: PynamoDBException) -> bool:
    """No answer came back (the connection dropped or timed out after botocore's retries): the
    write may or may not have been applied. Only a request DynamoDB can recognise (a
    transaction's ClientRequestToken) is safe to send again as it was."""
    return isinstance(error.cause, ConnectionError | HTTPClientError)
