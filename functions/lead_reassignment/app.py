"""SQS consumer: reassigns a cancelled agent's leads (one job message per approved ticket).

Partial batch failures are reported, so a failed job goes back to the queue (and after five
receives to the dead-letter queue) without redoing the others; the job itself is idempotent."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.data.consumers import consume_batch
from shared.data.queues import send_message
from shared.leads.reassignment import run_job_message
from shared.observability import logger, metrics
from shared.runtime import cached_settings

# Stop moving leads this long before the invocation's deadline and continue in a new message.
SAFETY_MARGIN_MS = 30_000


# No Powertools Tracer here: a job makes one DynamoDB transaction per lead, thousands of
# subsegments per trace, which X-Ray would carry but nobody could read. Progress is in the
# metrics below and on the ticket; Lambda's active tracing still records each invocation.
@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = cached_settings()

    def has_time() -> bool:
        return context.get_remaining_time_in_millis() > SAFETY_MARGIN_MS

    def enqueue(job: dict[str, str]) -> None:
        send_message(settings, settings.reassignment_queue_url, job)

    def reassign(record: SQSRecord) -> None:
        outcome = run_job_message(record.body, has_time=has_time, enqueue=enqueue)
        result = outcome.result
        metrics.add_metric(name="LeadsReassigned", unit=MetricUnit.Count, value=result.reassigned)
        metrics.add_metric(name="LeadsUnassigned", unit=MetricUnit.Count, value=result.unassigned)
        logger.info(
            "reassignment job ran",
            extra={
                **outcome.job.model_dump(),
                "reassigned": result.reassigned,
                "unassigned": result.unassigned,
                "already_moved": result.already_moved,
                "completed": result.completed,
                "continued": outcome.continued,
            },
        )

    return consume_batch(event, context, reassign)
