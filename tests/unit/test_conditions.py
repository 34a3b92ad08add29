"""Given DynamoDB's answers, only a failed condition is a domain answer (shared.data.conditions):
a throttled or conflicting transaction must never read as "already exists" or a 409."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import (
    CancellationReason,
    PutError,
    TransactWriteError,
    VerboseClientError,
)

from shared.data.conditions import (
    cancellation_codes,
    condition_failed,
    transaction_condition_failed,
)


def _put_error(code: str) -> PutError:
    cause = VerboseClientError({"Error": {"Code": code, "Message": "m"}}, "PutItem")
    return PutError("put failed", cause=cause)


def _cancelled(*codes: str | None) -> TransactWriteError:
    reasons = [None if code is None else CancellationReason(code=code) for code in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "m"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("transaction cancelled", cause=cause)


def test_a_single_write_refused_by_its_condition_is_recognised() -> None:
    assert condition_failed(_put_error("ConditionalCheckFailedException"))


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_a_throttled_or_failed_single_write_is_not_a_condition(code: str) -> None:
    assert not condition_failed(_put_error(code))


def test_a_transaction_cancelled_by_conditions_only_is_recognised_per_item() -> None:
    error = _cancelled(None, "ConditionalCheckFailed")
    assert cancellation_codes(error) == {1: "ConditionalCheckFailed"}
    assert transaction_condition_failed(error)
    assert transaction_condition_failed(error, item=1)
    assert not transaction_condition_failed(error, item=0)


@pytest.mark.parametrize(
    "codes",
    [
        ("TransactionConflict", None),
        ("ConditionalCheckFailed", "TransactionConflict"),
        ("ThrottlingError",),
        ("ConditionalCheckFailed", "ValidationError"),
    ],
)
def test_a_conflicting_or_throttled_transaction_is_never_a_condition(
    codes: tuple[str | None, ...],
) -> None:
    assert not transaction_condition_failed(_cancelled(*codes))
    assert not transaction_condition_failed(_cancelled(*codes), item=0)


def test_a_transaction_that_failed_for_another_reason_has_no_cancellation_codes() -> None:
    cause = VerboseClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "m"}},
        "TransactWriteItems",
    )
    error = TransactWriteError("throttled", cause=cause)
    assert cancellation_codes(error) == {}
    assert not transaction_condition_failed(error)
