"""Sending work to the SQS queues (render PDFs, reassign leads). Consumers live in their own
functions; messages are small JSON documents."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore.session import get_session

from shared.config import Settings
from shared.data.connection import shared_connection


@cache
def sqs_client(settings: Settings) -> Any:
    """Built on the data layer's botocore session when there is one: a second session (boto3's
    default) would load botocore's data files again, about 0.28 G instructions of cold start
    (measured with cachegrind on the pay route)."""
    try:
        session = shared_connection().session
    except RuntimeError:  # the data layer is not configured (a bare request path, a script)
        session = get_session()
    return session.create_client(
        "sqs", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )


def send_message(settings: Settings, queue_url: str, body: dict[str, Any]) -> str:
    response = sqs_client(settings).send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    return str(response["MessageId"])


SQS_BATCH_LIMIT = 10


def send_messages(settings: Settings, queue_url: str, bodies: list[dict[str, Any]]) -> int:
    """Sends every body, ten to a SendMessageBatch call; raises when SQS refused any of them
    (the caller's work is then retried, and a message sent twice is absorbed downstream)."""
    client = sqs_client(settings)
    for start in range(0, len(bodies), SQS_BATCH_LIMIT):
        chunk = bodies[start : start + SQS_BATCH_LIMIT]
        response = client.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(index), "MessageBody": json.dumps(body)}
                for index, body in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} message(s)")
    return len(bodies)
