"""What SQS and Lambda hand the Stripe events consumer: records carrying the verified body the
webhook queued (event id and type as message attributes), batches of them, the event Lambda's
event source mapping builds from received messages, and a queue drained for inspection."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

STRIPE_EVENTS_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:StripeEventsQueue"


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
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
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
