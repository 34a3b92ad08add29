"""The one way a function consumes an SQS queue: Powertools' batch processor with partial
batch failures. A record whose handler raises is reported alone: SQS redelivers it (and after
the queue's maxReceiveCount dead-letters it) while the rest of the batch is done. An all-failed
batch is reported item by item too, rather than raised as one error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

RecordHandler = Callable[[SQSRecord], None]

_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def consume_batch(
    event: dict[str, Any], context: LambdaContext, handle_record: RecordHandler
) -> dict[str, Any]:
    """Runs `handle_record` on every record of an SQS event; the answer lists the failures."""
    return dict(
        process_partial_response(
            event=event, record_handler=handle_record, processor=_processor, context=context
        )
    )
