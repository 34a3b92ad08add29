"""Sending work to the SQS queues (render PDFs, reassign leads). Consumers live in their own
functions; messages are small JSON documents."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3

from shared.config import Settings


@cache
def sqs_client(settings: Settings) -> Any:
    return boto3.client(
        "sqs", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )


def send_message(settings: Settings, queue_url: str, body: dict[str, Any]) -> str:
    response = sqs_client(settings).send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    return str(response["MessageId"])
