"""The committed Stripe samples: one signed webhook event for each type the webhook handles
(events/stripe_webhook/, all about one demo customer) and an SQS batch of the Stripe events
consumer (events/stripe_events/batch.json).

`python -m testing.webhook_samples` rewrites them. They are signed with the local primary
secret at SAMPLE_TIME, so they are older than the 300 s tolerance: `resign` gives one a fresh
signature (tests, `sam local invoke`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.cfn import ROOT
from testing.sqs_events import sqs_record
from testing.stripe_objects import (
    SAMPLE_TIME,
    card_payment_method,
    customer_object,
    invoice_object,
    setup_intent_object,
    subscription_object,
)
from testing.webhook_events import payload_of, signed_api_event, stripe_event

EVENTS_DIR = ROOT / "events" / "stripe_webhook"
BATCH_PATH = ROOT / "events" / "stripe_events" / "batch.json"


def load_sample(event_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS_DIR / f"{event_type}.json").read_text())
    return loaded


def sample_events() -> dict[str, dict[str, Any]]:
    """One realistic event for each type the webhook handles (all about one demo customer)."""
    customer = "cus_sample0000001"
    invoice_id = "in_sample0000001"
    at = SAMPLE_TIME
    card = card_payment_method(payment_method_id="pm_sample0000001", customer=customer)

    def invoice(status: str, attempt_count: int = 0, **overrides: Any) -> dict[str, Any]:
        return invoice_object(
            invoice_id=invoice_id,
            customer=customer,
            status=status,
            attempt_count=attempt_count,
            **overrides,
        )

    events = {
        "invoice.created": stripe_event("invoice.created", invoice("draft"), created=at),
        "invoice.finalized": stripe_event("invoice.finalized", invoice("open"), created=at + 3600),
        "invoice.updated": stripe_event(
            "invoice.updated",
            invoice("open", description="Thank you for your business"),
            created=at + 3700,
            previous_attributes={"description": None},
        ),
        "invoice.payment_failed": stripe_event(
            "invoice.payment_failed", invoice("open", 1), created=at + 3800
        ),
        "invoice.payment_action_required": stripe_event(
            "invoice.payment_action_required", invoice("open", 2), created=at + 3900
        ),
        "invoice.paid": stripe_event("invoice.paid", invoice("paid", 3), created=at + 7200),
        "invoice.payment_succeeded": stripe_event(
            "invoice.payment_succeeded", invoice("paid", 3), created=at + 7200
        ),
        "invoice.voided": stripe_event(
            "invoice.voided",
            invoice_object(invoice_id="in_sample0000002", customer=customer, status="void"),
            created=at + 7300,
        ),
        "invoice.marked_uncollectible": stripe_event(
            "invoice.marked_uncollectible",
            invoice_object(
                invoice_id="in_sample0000003",
                customer=customer,
                status="uncollectible",
                attempt_count=4,
            ),
            created=at + 7400,
        ),
        "invoice.deleted": stripe_event(
            "invoice.deleted",
            invoice_object(invoice_id="in_sample0000004", customer=customer, status="draft"),
            created=at + 7500,
        ),
        "customer.subscription.created": stripe_event(
            "customer.subscription.created",
            subscription_object(subscription_id="sub_sample0000001", customer=customer),
            created=at,
        ),
        "customer.subscription.updated": stripe_event(
            "customer.subscription.updated",
            subscription_object(
                subscription_id="sub_sample0000001", customer=customer, status="past_due"
            ),
            created=at + 3800,
            previous_attributes={"status": "active"},
        ),
        "customer.subscription.deleted": stripe_event(
            "customer.subscription.deleted",
            subscription_object(
                subscription_id="sub_sample0000001", customer=customer, status="canceled"
            ),
            created=at + 9000,
        ),
        "customer.updated": stripe_event(
            "customer.updated",
            customer_object(customer_id=customer, default_payment_method=card["id"]),
            created=at + 100,
            previous_attributes={"invoice_settings": {"default_payment_method": None}},
        ),
        "payment_method.attached": stripe_event("payment_method.attached", card, created=at + 50),
        "payment_method.detached": stripe_event(
            "payment_method.detached",
            {**card, "customer": None},
            created=at + 9100,
            previous_attributes={"customer": customer},
        ),
        "setup_intent.succeeded": stripe_event(
            "setup_intent.succeeded",
            setup_intent_object(customer=customer, payment_method=card["id"]),
            created=at + 40,
        ),
    }
    for event_type, event in events.items():
        event["id"] = "evt_sample_" + event_type.replace(".", "_")
    return events


def sample_batch() -> dict[str, Any]:
    """An SQS batch of the Stripe events consumer: two of the webhook samples, as queued."""
    records = []
    for number, event_type in enumerate(("invoice.paid", "customer.subscription.updated"), 1):
        record = sqs_record(
            payload_of(load_sample(event_type)),
            message_id=f"5f1d3c2a-7b7e-4c1e-9a51-00000000000{number}",
            sent_at=SAMPLE_TIME,
        )
        records.append(record)
    return {"Records": records}


def sample_files() -> dict[Path, str]:
    """Every committed sample's path and exact text."""
    files = {}
    for event_type, event in sample_events().items():
        api_event = signed_api_event(event, timestamp=SAMPLE_TIME)
        api_event["requestContext"]["requestId"] = "sample" + event_type.replace(".", "")[:10]
        files[EVENTS_DIR / f"{event_type}.json"] = as_text(api_event)
    files[BATCH_PATH] = as_text(sample_batch())
    return files


def as_text(sample: dict[str, Any]) -> str:
    return json.dumps(sample, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for path, text in sample_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path.relative_to(ROOT))
