"""`shared.data.updates` against the local stack's DynamoDB: the UpdateItem built from a model's
values sets what is given, removes what is None, keeps what it does not name, and honours its
PynamoDB condition, alone and as a transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pynamodb.exceptions import TransactWriteError, UpdateError

from shared.data.conditions import cancellation_codes, condition_failed
from shared.data.tables.invoices import InvoiceLine, InvoiceModel
from shared.data.updates import run_transaction, run_update, update_request

CREATED = datetime(2026, 1, 5, tzinfo=UTC)


def _values(**changes):
    values = {
        "invoice_id": "in_update_test",
        "status": "open",
        "payment_status": "failed",
        "amount_due": 12000,
        "lines": [InvoiceLine(description="Leads plan", quantity=2, amount=6000)],
        "created": CREATED,
        "updated_at": CREATED,
        "failure_message": "Your card was declined.",
        "number": "A-1",
    }
    return {**values, **changes}


@pytest.fixture
def account_id(stack) -> str:
    return f"acct-{uuid.uuid4().hex[:8]}"


def test_sets_removes_and_keeps_what_it_does_not_name(account_id):
    stored = run_update(InvoiceModel, update_request(InvoiceModel, account_id, "k1", _values()))
    assert (stored.status, stored.amount_due, stored.failure_message) == (
        "open",
        12000,
        _values()["failure_message"],
    )
    assert [(line.description, line.quantity, line.amount) for line in stored.lines] == [
        ("Leads plan", 2, 6000)
    ]
    InvoiceModel(account_id, "k1").update(actions=[InvoiceModel.pdf_key.set("pdfs/k1.pdf")])

    paid = _values(status="paid", payment_status="paid", failure_message=None, number=None)
    stored = run_update(InvoiceModel, update_request(InvoiceModel, account_id, "k1", paid))

    again = InvoiceModel.get(account_id, "k1")
    assert (stored.status, again.status) == ("paid", "paid")
    assert again.failure_message is None  # removed
    assert again.number is None
    assert again.pdf_key == "pdfs/k1.pdf"  # not named: kept
    assert again.created == CREATED


def test_a_refused_condition_is_an_update_error_the_conditions_helper_recognises(account_id):
    run_update(InvoiceModel, update_request(InvoiceModel, account_id, "k2", _values()))
    only_drafts = InvoiceModel.status == "draft"
    request = update_request(InvoiceModel, account_id, "k2", _values(amount_due=1), only_drafts)

    with pytest.raises(UpdateError) as refused:
        run_update(InvoiceModel, request)

    assert condition_failed(refused.value)
    assert InvoiceModel.get(account_id, "k2").amount_due == 12000


def test_a_transaction_writes_all_or_names_the_item_whose_condition_failed(account_id):
    new = InvoiceModel.invoice_key.does_not_exist()
    run_transaction(
        [update_request(InvoiceModel, account_id, key, _values(), new) for key in ("a", "b")]
    )
    assert {invoice.invoice_key for invoice in InvoiceModel.query(account_id)} == {"a", "b"}

    with pytest.raises(TransactWriteError) as cancelled:
        run_transaction(
            [
                update_request(InvoiceModel, account_id, key, _values(amount_due=5), new)
                for key in ("c", "a")
            ]
        )

    assert cancellation_codes(cancelled.value) == {1: "ConditionalCheckFailed"}
    assert {invoice.invoice_key for invoice in InvoiceModel.query(account_id)} == {"a", "b"}
    assert InvoiceModel.get(account_id, "a").amount_due == 12000
