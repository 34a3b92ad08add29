"""The render queue's consumer: renders each requested invoice; a bad message fails alone."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from shared.data.queues import send_message
from shared.data.storage import s3_client
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from testing.invoice_factory import save_invoice

EVENTS = Path(__file__).resolve().parents[2] / "events" / "invoice_renderer"


@pytest.fixture(autouse=True)
def data_layer(stack):
    cached_settings()


def renderer(stack):
    assert stack.gateway is not None
    return stack.gateway.functions["InvoiceRendererFunction"]


def sample_batch(name: str, account_id: str, *invoice_ids: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text().replace("agent-demo", account_id)
    for number, invoice_id in enumerate(invoice_ids, start=1):
        text = text.replace(f"in_1DemoInvoice000{number}", invoice_id)
    return dict(json.loads(text))


def reload(invoice: InvoiceModel) -> InvoiceModel:
    return InvoiceModel.get(invoice.account_id, invoice.invoice_key, consistent_read=True)


def test_a_batch_renders_every_invoice(stack, new_agent):
    account_id, _ = new_agent()
    first = save_invoice(account_id, payment_status="paid")
    second = save_invoice(account_id, payment_status="failed")
    event = sample_batch("batch.json", account_id, first.invoice_id, second.invoice_id)

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": []}
    settings = cached_settings()
    for invoice, status in ((first, "paid"), (second, "failed")):
        saved = reload(invoice)
        assert saved.pdf_rendered_for == status
        stored = s3_client(settings).head_object(Bucket=settings.invoice_bucket, Key=saved.pdf_key)
        assert stored["ContentType"] == "application/pdf"
        assert stored["ServerSideEncryption"] == "AES256"


def test_a_poisoned_message_is_the_only_failure_reported(stack, new_agent):
    account_id, _ = new_agent()
    first = save_invoice(account_id, payment_status="paid")
    second = save_invoice(account_id, payment_status="void")
    event = sample_batch(
        "batch_with_poisoned_message.json", account_id, first.invoice_id, second.invoice_id
    )
    poisoned_id = event["Records"][1]["messageId"]

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": poisoned_id}]}
    assert reload(first).pdf_key
    assert reload(second).pdf_rendered_for == "void"


def test_a_message_for_an_unknown_or_foreign_invoice_fails_alone(stack, new_agent):
    account_id, _ = new_agent()
    other_id, _ = new_agent()
    mine = save_invoice(account_id)
    theirs = save_invoice(other_id)
    event = sample_batch("batch.json", account_id, mine.invoice_id, theirs.invoice_id)

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert reload(theirs).pdf_key is None


def test_rendering_is_idempotent_and_skips_drafts(stack, new_agent):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid")
    draft = save_invoice(account_id, payment_status="pending", status="draft")
    event = sample_batch("batch.json", account_id, invoice.invoice_id, draft.invoice_id)

    renderer(stack).invoke(event)
    first_key = reload(invoice).pdf_key
    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": []}
    assert reload(invoice).pdf_key == first_key
    assert reload(draft).pdf_key is None


def test_the_render_queue_contract_end_to_end(stack, new_agent):
    """What the webhook sends on the render queue is picked up and rendered (SQS poller)."""
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="failed")
    settings = cached_settings()

    send_message(
        settings,
        settings.render_queue_url,
        {"account_id": account_id, "invoice_id": invoice.invoice_id},
    )

    deadline = time.monotonic() + 30
    while reload(invoice).pdf_key is None:
        assert time.monotonic() < deadline, "the render queue message was not processed"
        time.sleep(0.25)
    assert reload(invoice).pdf_rendered_for == "failed"


def test_a_group_message_renders_each_of_its_invoices(stack, new_agent):
    """A Stripe import's page queues its PDFs ten to a message (render_queue)."""
    account_id, _ = new_agent()
    invoices = [save_invoice(account_id, payment_status=status) for status in ("paid", "void")]
    draft = save_invoice(account_id, payment_status="pending", status="draft")
    ids = [invoice.invoice_id for invoice in (*invoices, draft)]
    event = sample_batch("group.json", account_id, *ids)

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": []}
    assert [reload(invoice).pdf_rendered_for for invoice in invoices] == ["paid", "void"]
    assert reload(draft).pdf_key is None


def test_a_group_with_a_foreign_invoice_fails_after_rendering_the_rest(stack, new_agent):
    account_id, _ = new_agent()
    other_id, _ = new_agent()
    mine, also_mine = save_invoice(account_id), save_invoice(account_id)
    theirs = save_invoice(other_id)
    ids = [mine.invoice_id, theirs.invoice_id, also_mine.invoice_id]
    event = sample_batch("group.json", account_id, *ids)

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert reload(mine).pdf_key
    assert reload(also_mine).pdf_key
    assert reload(theirs).pdf_key is None


def test_a_group_of_more_than_ten_is_refused_whole(stack, new_agent):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid")
    event = sample_batch("group.json", account_id, invoice.invoice_id)
    body = json.loads(event["Records"][0]["body"])
    body["invoice_ids"] = [invoice.invoice_id] * 11
    event["Records"][0]["body"] = json.dumps(body)

    response = renderer(stack).invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert reload(invoice).pdf_key is None
