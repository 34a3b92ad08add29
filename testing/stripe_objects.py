"""Realistic Stripe events (current API shapes) and the signing helper the tests share.

Objects follow the current Stripe API: an invoice has no `charge`/`payment_intent` (its
subscription is under `parent.subscription_details`, taxes under `total_taxes`); events carry
`data.object` (and `previous_attributes` for updates). `api_gateway_event` wraps a signed
payload the way API Gateway (HTTP API, payload v2) hands it to the function.

`python -m tests.stripe_events` rewrites the samples in events/stripe_webhook/ and the SQS
batch in events/stripe_events/. Their signatures are made with the local primary secret at a
fixed time, so they are older than the 300 s tolerance: `resign` gives a sample a fresh
signature (tests, `sam local invoke`). `sqs_record` / `sqs_event_of` build what Lambda hands
the Stripe events consumer: the verified body the webhook queued, id and type as attributes."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.stack import DEFAULT_WEBHOOK_SECRETS
from shared.data.models import ACTIVE, AccountModel, WebhookEventModel

PRIMARY_SECRET, ROTATED_SECRET = (s.strip() for s in DEFAULT_WEBHOOK_SECRETS.split(","))
API_VERSION = "2026-10-28.endive"
EVENTS_DIR = Path(__file__).resolve().parent.parent / "events" / "stripe_webhook"
BATCH_DIR = EVENTS_DIR.parent / "stripe_events"
STRIPE_EVENTS_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:StripeEventsQueue"
SAMPLE_TIME = 1795910400  # 2026-11-29T00:00:00Z


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:14]}"


def invoice_object(
    *,
    invoice_id: str | None = None,
    customer: str = "cus_sample0000001",
    subscription: str | None = "sub_sample0000001",
    status: str = "open",
    created: int = SAMPLE_TIME,
    amount_due: int = 29900,
    attempt_count: int = 0,
    number: str | None = "A1B2C3D4-0001",
    currency: str = "usd",
    **overrides: Any,
) -> dict[str, Any]:
    paid = status == "paid"
    amount_paid = amount_due if paid else 0
    invoice: dict[str, Any] = {
        "id": invoice_id or new_id("in"),
        "object": "invoice",
        "account_country": "US",
        "account_name": "Predictive Leads Inc.",
        "amount_due": amount_due,
        "amount_overpaid": 0,
        "amount_paid": amount_paid,
        "amount_remaining": 0 if status in ("paid", "void") else amount_due - amount_paid,
        "amount_shipping": 0,
        "attempt_count": attempt_count,
        "attempted": attempt_count > 0,
        "auto_advance": status in ("draft", "open"),
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_reason": "subscription_cycle" if subscription else "manual",
        "collection_method": "charge_automatically",
        "created": created,
        "currency": currency,
        "customer": customer,
        "customer_email": "agent@example.com",
        "customer_name": "Dana Demo",
        "default_payment_method": None,
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None if status == "draft" else created + 3600,
        "ending_balance": None if status == "draft" else 0,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": amount_due,
                    "currency": currency,
                    "description": "1 \u00d7 Predictive Seller Leads - Pro (at $299.00 / month)",
                    "period": {"start": created, "end": created + 30 * 86400},
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": "price_pro", "product": "prod_pro"},
                        "unit_amount_decimal": str(amount_due),
                    },
                    "quantity": 1,
                }
            ],
            "has_more": False,
            "total_count": 1,
            "url": "/v1/invoices/in_x/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": created + 3600 if status in ("draft", "open") else None,
        "number": None if status == "draft" else number,
        "parent": (
            {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"metadata": {}, "subscription": subscription},
            }
            if subscription
            else None
        ),
        "period_end": created,
        "period_start": created - 30 * 86400,
        "receipt_number": None,
        "starting_balance": 0,
        "status": status,
        "status_transitions": {
            "finalized_at": None if status == "draft" else created + 3600,
            "marked_uncollectible_at": None,
            "paid_at": created + 7200 if paid else None,
            "voided_at": None,
        },
        "subtotal": amount_due,
        "subtotal_excluding_tax": amount_due,
        "total": amount_due,
        "total_discount_amounts": [],
        "total_excluding_tax": amount_due,
        "total_taxes": [],
        "webhooks_delivered_at": created,
    }
    invoice["lines"]["url"] = f"/v1/invoices/{invoice['id']}/lines"
    invoice["lines"]["data"][0]["id"] = "il_" + invoice["id"].removeprefix("in_")
    invoice.update(overrides)
    return invoice


def subscription_object(
    *,
    subscription_id: str | None = None,
    customer: str = "cus_sample0000001",
    status: str = "active",
    created: int = SAMPLE_TIME,
) -> dict[str, Any]:
    subscription_id = subscription_id or new_id("sub")
    return {
        "id": subscription_id,
        "object": "subscription",
        "billing_cycle_anchor": created,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": created + 60 if status == "canceled" else None,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": "usd",
        "customer": customer,
        "default_payment_method": None,
        "ended_at": created + 60 if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_" + subscription_id.removeprefix("sub_"),
                    "object": "subscription_item",
                    "current_period_start": created,
                    "current_period_end": created + 30 * 86400,
                    "price": {"id": "price_pro", "unit_amount": 29900, "currency": "usd"},
                    "quantity": 1,
                }
            ],
            "has_more": False,
        },
        "latest_invoice": "in_" + subscription_id.removeprefix("sub_"),
        "livemode": False,
        "metadata": {},
        "start_date": created,
        "status": status,
    }


def card_payment_method(
    *,
    payment_method_id: str | None = None,
    customer: str | None = "cus_sample0000001",
    brand: str = "visa",
    last4: str = "4242",
    exp_month: int = 12,
    exp_year: int = 2030,
) -> dict[str, Any]:
    return {
        "id": payment_method_id or new_id("pm"),
        "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {
            "brand": brand,
            "checks": {"cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "funding": "credit",
            "last4": last4,
            "networks": {"available": [brand], "preferred": None},
        },
        "created": SAMPLE_TIME,
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def customer_object(
    *,
    customer_id: str = "cus_sample0000001",
    default_payment_method: str | None = None,
) -> dict[str, Any]:
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": SAMPLE_TIME - 86400,
        "currency": "usd",
        "delinquent": False,
        "description": None,
        "email": "agent@example.com",
        "invoice_prefix": "A1B2C3D4",
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": default_payment_method,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {"account_id": "agent-demo"},
        "name": "Dana Demo",
        "preferred_locales": [],
    }


def setup_intent_object(
    *, customer: str = "cus_sample0000001", payment_method: str = "pm_sample0000001"
) -> dict[str, Any]:
    return {
        "id": "seti_" + payment_method.removeprefix("pm_"),
        "object": "setup_intent",
        "client_secret": "seti_secret_redacted",
        "created": SAMPLE_TIME,
        "customer": customer,
        "livemode": False,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "status": "succeeded",
        "usage": "off_session",
    }


def stripe_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    created: int | None = None,
    event_id: str | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_header(
    payload: str, secret: str = PRIMARY_SECRET, timestamp: int | None = None
) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def api_gateway_event(
    payload: str,
    stripe_signature: str | None,
    *,
    base64_body: bool = False,
) -> dict[str, Any]:
    headers = {
        "content-type": "application/json; charset=utf-8",
        "host": "api.example.com",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
    if stripe_signature is not None:
        headers["stripe-signature"] = stripe_signature
    return {
        "version": "2.0",
        "routeKey": "POST /v1/webhooks/stripe",
        "rawPath": "/v1/webhooks/stripe",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "POST",
                "path": "/v1/webhooks/stripe",
                "protocol": "HTTP/1.1",
                "sourceIp": "3.18.12.63",
                "userAgent": headers["user-agent"],
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": "POST /v1/webhooks/stripe",
            "stage": "$default",
            "time": "29/Nov/2026:00:00:00 +0000",
            "timeEpoch": SAMPLE_TIME * 1000,
        },
        "body": base64.b64encode(payload.encode()).decode() if base64_body else payload,
        "isBase64Encoded": base64_body,
    }


def signed_api_event(
    stripe_event_body: dict[str, Any],
    *,
    secret: str = PRIMARY_SECRET,
    timestamp: int | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    payload = json.dumps(stripe_event_body, indent=2)
    return api_gateway_event(
        payload, signature_header(payload, secret, timestamp), base64_body=base64_body
    )


def payload_of(api_event: dict[str, Any]) -> str:
    body = str(api_event["body"])
    return base64.b64decode(body).decode() if api_event.get("isBase64Encoded") else body


def resign(
    api_event: dict[str, Any], *, secret: str = PRIMARY_SECRET, timestamp: int | None = None
) -> dict[str, Any]:
    fresh = copy.deepcopy(api_event)
    fresh["headers"]["stripe-signature"] = signature_header(
        payload_of(api_event), secret, timestamp
    )
    return fresh


def with_object(api_event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A sample with fields of its data.object replaced (and its event id renewed), re-signed."""
    event = json.loads(payload_of(api_event))
    event["id"] = new_id("evt")
    event["data"]["object"].update(changes)
    return signed_api_event(event)


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


# ---------------------------------------------------------------- the Stripe events queue


def _message_attributes(event_id: str, event_type: str) -> dict[str, Any]:
    def string(value: str) -> dict[str, Any]:
        return {
            "stringValue": value,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }

    return {"event_id": string(event_id), "event_type": string(event_type)}


def sqs_record(
    body: str,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    sent_at: int | None = None,
) -> dict[str, Any]:
    """One SQS record as Lambda hands it to the consumer, for a body the webhook queued."""
    event = json.loads(body)
    sent_ms = (int(time.time()) if sent_at is None else sent_at) * 1000
    message_id = message_id or str(uuid.uuid4())
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent_ms),
            "SenderId": "AROAEXAMPLE:StripeWebhookFunction",
            "ApproximateFirstReceiveTimestamp": str(sent_ms + 20),
        },
        "messageAttributes": _message_attributes(str(event["id"]), str(event["type"])),
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": STRIPE_EVENTS_QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def sqs_batch(*bodies: str) -> dict[str, Any]:
    return {"Records": [sqs_record(body) for body in bodies]}


def sqs_event_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Lambda's SQS event for messages as `receive_message` returned them (what the event source
    mapping does)."""
    records = []
    for message in messages:
        attributes = message.get("MessageAttributes") or {}
        record = sqs_record(message["Body"], message_id=message["MessageId"])
        record["receiptHandle"] = message["ReceiptHandle"]
        record["attributes"] = message.get("Attributes") or record["attributes"]
        record["messageAttributes"] = {
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in attributes.items()
        }
        records.append(record)
    return {"Records": records}


def receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message now in a queue (with attributes), deleted from it."""
    received: list[dict[str, Any]] = []
    while messages := sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages"):
        for message in messages:
            received.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return received


def eventually[T](read: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Polls `read` until it gives something: a bounded wait for the queue's consumer."""
    deadline = time.monotonic() + timeout
    while (value := read()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing arrived within {timeout:.0f}s")
        time.sleep(0.1)
    return value


def finished_record(event_id: str) -> WebhookEventModel | None:
    """The event's record once the consumer is done with it (any outcome but `processing`)."""
    try:
        record = WebhookEventModel.get(event_id)
    except WebhookEventModel.DoesNotExist:
        return None
    return None if record.outcome == "processing" else record


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


def write_samples() -> list[Path]:
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, event in sample_events().items():
        api_event = signed_api_event(event, timestamp=SAMPLE_TIME)
        api_event["requestContext"]["requestId"] = "sample" + event_type.replace(".", "")[:10]
        path = EVENTS_DIR / f"{event_type}.json"
        path.write_text(json.dumps(api_event, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    written.append(write_batch_sample())
    return written


def write_batch_sample() -> Path:
    BATCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BATCH_DIR / "batch.json"
    path.write_text(json.dumps(sample_batch(), indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    for written_path in write_samples():
        print(written_path.relative_to(EVENTS_DIR.parent.parent))


class FakeStripe:
    """Stripe's current state for the reads the sync makes (a fake of Stripe, not of our code).

    `invoices` answers retrieve_invoice (the current invoice), `payment_intents` the intents an
    invoice's `payments` point at, `customers`/`payment_methods` the card refresh."""

    def __init__(self) -> None:
        self.invoices: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.latest_intents: dict[str, dict[str, Any]] = {}  # invoice id -> newest intent
        self.calls: list[str] = []

    def retrieve_invoice(self, invoice_id: str) -> dict[str, Any]:
        self.calls.append(f"invoice:{invoice_id}")
        return self.invoices[invoice_id]

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        self.calls.append(f"payment_intent:{payment_intent_id}")
        return self.payment_intents[payment_intent_id]

    def latest_invoice_payment_intent(self, invoice_id: str) -> dict[str, Any] | None:
        self.calls.append(f"invoice_payments:{invoice_id}")
        return self.latest_intents.get(invoice_id)

    def retrieve_customer(self, customer_id: str) -> dict[str, Any]:
        self.calls.append(f"customer:{customer_id}")
        return self.customers[customer_id]

    def retrieve_payment_method(self, payment_method_id: str) -> dict[str, Any]:
        self.calls.append(f"payment_method:{payment_method_id}")
        return self.payment_methods[payment_method_id]


def with_failed_payments(
    invoice: dict[str, Any], stripe: FakeStripe, messages: list[str]
) -> dict[str, Any]:
    """Adds the invoice's payments (one declined PaymentIntent per message, newest last) the
    way an invoice retrieved with `payments` included shows them, and registers the intents."""
    payments = []
    for attempt, message in enumerate(messages, start=1):
        intent_id = f"pi_{invoice['id'].removeprefix('in_')}_{attempt}"
        stripe.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "requires_payment_method",
            "last_payment_error": {"type": "card_error", "message": message},
        }
        payments.append(
            {
                "id": f"inpay_{intent_id}",
                "object": "invoice_payment",
                "created": int(invoice["created"]) + attempt,
                "payment": {"type": "payment_intent", "payment_intent": intent_id},
                "status": "open",
            }
        )
    invoice["payments"] = {"object": "list", "data": payments, "has_more": False}
    return invoice


def saved_customer_account(prefix: str = "agent") -> tuple[str, str]:
    """An active account with a (made-up) Stripe customer id, written straight to the table:
    (account_id, customer_id)."""
    account_id, customer_id = f"{prefix}-{uuid.uuid4().hex[:10]}", f"cus_{uuid.uuid4().hex[:14]}"
    now = datetime.now(UTC)
    AccountModel(
        account_id,
        email=f"{account_id}@example.com",
        name="Webhook Test",
        status=ACTIVE,
        stripe_customer_id=customer_id,
        created_at=now,
        updated_at=now,
    ).save()
    return account_id, customer_id
