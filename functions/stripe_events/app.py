"""SQS consumer of the Stripe events queue: applies each verified Stripe event exactly once to
the read model and records its outcome (shared.webhooks.dispatch).

A message that fails (Stripe unreachable while reading an invoice, say) is reported alone
(partial batch failure): SQS redelivers it, and after five receives dead-letters it, while the
rest of the batch is done. Redeliveries and Stripe's own retries are duplicates, no-ops.

No Powertools Tracer here (unlike the renderer): how soon an invoice's new status shows depends
on this function's cold start, and the X-Ray SDK would add about half a second to it; Lambda's
active tracing still records every invocation."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.data.consumers import consume_batch
from shared.observability import logger, metrics
from shared.runtime import cached_settings
from shared.webhooks.dispatch import WebhookContext, process_event_message


@cache
def events_context() -> WebhookContext:
    return WebhookContext(cached_settings())


def apply_record(record: SQSRecord) -> None:
    process_event_message(record.body, events_context())


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    cached_settings()
    return consume_batch(event, context, apply_record)
