"""The webhook's request path: verify, then one message on the Stripe events queue. It never
touches DynamoDB nor Stripe; a queue that does not take the event is a 503 so Stripe retries."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pynamodb.connection.base import Connection

from shared.config import Settings
from shared.errors import InvalidRequest, InvalidSignature, ServiceUnavailable
from shared.webhooks.intake import accept_webhook
from testing.stripe_objects import invoice_object
from testing.webhook_events import (
    PRIMARY_SECRET,
    ROTATED_SECRET,
    api_gateway_event,
    payload_of,
    signature_header,
    signed_api_event,
    stripe_event,
)

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/StripeEventsQueue"
SETTINGS = Settings(
    stripe_webhook_secrets=f"{PRIMARY_SECRET},{ROTATED_SECRET}",
    stripe_events_queue_url=QUEUE_URL,
)


class RecordingSqs:
    """An SQS client that keeps what it is asked to send (or fails like SQS can)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.error = error

    def send_message(self, **request: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        self.sent.append(request)
        return {"MessageId": f"msg-{len(self.sent)}"}


@pytest.fixture(autouse=True)
def no_dynamodb(monkeypatch) -> Iterator[list[str]]:
    """Any DynamoDB call made through the data layer fails the test."""
    calls: list[str] = []

    def refuse(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        calls.append(operation_name)
        raise AssertionError(f"the request path called DynamoDB {operation_name}")

    monkeypatch.setattr(Connection, "_make_api_call", refuse)
    yield calls
    assert calls == []


def _event() -> dict[str, Any]:
    return stripe_event("invoice.paid", invoice_object(status="paid"))


def test_a_verified_event_is_queued_once_with_its_id_and_type():
    # Given a signed delivery
    body = _event()
    api_event = signed_api_event(body)
    sqs = RecordingSqs()

    # When it is accepted
    event = accept_webhook(api_event, SETTINGS, sqs)

    # Then exactly one message carries the body as Stripe sent it, id and type as attributes
    assert event.id == body["id"]
    (message,) = sqs.sent
    assert message["QueueUrl"] == QUEUE_URL
    assert message["MessageBody"] == payload_of(api_event)
    assert json.loads(message["MessageBody"]) == body
    assert message["MessageAttributes"] == {
        "event_id": {"DataType": "String", "StringValue": body["id"]},
        "event_type": {"DataType": "String", "StringValue": "invoice.paid"},
    }


def test_each_delivery_of_the_same_event_is_one_message():
    body = _event()
    sqs = RecordingSqs()

    for secret in (PRIMARY_SECRET, ROTATED_SECRET, PRIMARY_SECRET):
        accept_webhook(signed_api_event(body, secret=secret), SETTINGS, sqs)

    assert [json.loads(sent["MessageBody"])["id"] for sent in sqs.sent] == [body["id"]] * 3


def test_a_base64_body_is_queued_decoded():
    api_event = signed_api_event(_event(), base64_body=True)
    sqs = RecordingSqs()

    accept_webhook(api_event, SETTINGS, sqs)

    assert sqs.sent[0]["MessageBody"] == payload_of(api_event)


@pytest.mark.parametrize("signature", [None, "t=1,v1=deadbeef", "other-secret", "too-old"])
def test_an_invalid_signature_queues_nothing(signature):
    payload = json.dumps(_event())
    if signature == "other-secret":
        signature = signature_header(payload, "whsec_not_ours")
    elif signature == "too-old":
        signature = signature_header(payload, timestamp=int(time.time()) - 301)
    sqs = RecordingSqs()

    with pytest.raises(InvalidSignature):
        accept_webhook(api_gateway_event(payload, signature), SETTINGS, sqs)

    assert sqs.sent == []


@pytest.mark.parametrize("payload", ['{"id": "evt_1", "type": ', '{"id": "evt_1"}', "[]"])
def test_a_signed_body_that_is_not_a_stripe_event_queues_nothing(payload):
    sqs = RecordingSqs()

    with pytest.raises(InvalidRequest):
        accept_webhook(api_gateway_event(payload, signature_header(payload)), SETTINGS, sqs)

    assert sqs.sent == []


@pytest.mark.parametrize(
    "error",
    [
        ClientError(
            {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}},
            "SendMessage",
        ),
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "SendMessage"),
        EndpointConnectionError(endpoint_url=QUEUE_URL),
    ],
    ids=["no-queue", "throttled", "unreachable"],
)
def test_a_queue_that_does_not_take_the_event_is_503(error):
    with pytest.raises(ServiceUnavailable) as raised:
        accept_webhook(signed_api_event(_event()), SETTINGS, RecordingSqs(error))

    assert (raised.value.status_code, raised.value.code) == (503, "service_unavailable")


def test_no_configured_queue_is_503_not_a_silent_drop():
    settings = dataclasses.replace(SETTINGS, stripe_events_queue_url="")
    sqs = RecordingSqs()

    with pytest.raises(ServiceUnavailable):
        accept_webhook(signed_api_event(_event()), settings, sqs)

    assert sqs.sent == []


def test_an_event_too_large_for_sqs_is_queued_by_reference():
    # Given a signed event of about 300 KB (an invoice with many lines)
    lines = [{"id": f"il_{n}", "description": "x" * 290, "amount": 1} for n in range(1000)]
    body = stripe_event("invoice.finalized", invoice_object(lines={"data": lines}))
    sqs = RecordingSqs()

    # When it is accepted
    accept_webhook(signed_api_event(body), SETTINGS, sqs)

    # Then the message names it, small enough for SQS, for the consumer to read back
    (message,) = sqs.sent
    assert len(message["MessageBody"]) < 1000
    assert json.loads(message["MessageBody"]) == {
        "id": body["id"],
        "type": "invoice.finalized",
        "by_reference": True,
    }
    assert message["MessageAttributes"]["event_id"]["StringValue"] == body["id"]
