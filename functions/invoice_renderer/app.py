"""Renders invoice PDFs into the private bucket. Two ways in, one request `{"account_id",
"invoice_id"}`:

- the render queue (SQS), fed by the Stripe events consumer whenever an invoice changes: a
  message that fails is reported alone (partial batch failure) and retried by SQS, then
  dead-lettered; the rest of the batch is not redone;
- a direct invocation by the download function, for a PDF that is missing or stale: the answer
  is `{"pdf_key": ...}` (null when the invoice is gone or still a draft)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from shared.billing.invoices.rendering import handle_render_request
from shared.data.consumers import consume_batch
from shared.errors import NotFound
from shared.observability import logger, metrics, tracer
from shared.runtime import cached_settings


class RenderRequest(BaseModel):
    """A queue message (from the Stripe events consumer) or a direct invocation (download)."""

    account_id: str = Field(min_length=1, max_length=128)
    invoice_id: str = Field(pattern=r"^in_[A-Za-z0-9_]+$", max_length=255)


def render(request: RenderRequest) -> str | None:
    logger.append_keys(invoice_id=request.invoice_id)
    try:
        return handle_render_request(cached_settings(), request.account_id, request.invoice_id)
    finally:
        logger.remove_keys(["invoice_id"])


def render_record(record: SQSRecord) -> None:
    render(RenderRequest.model_validate_json(record.body))


def render_now(event: dict[str, Any]) -> dict[str, str | None]:
    try:
        key = render(RenderRequest.model_validate(event))
    except NotFound:
        key = None
    return {"pdf_key": key}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    cached_settings()
    if "Records" not in event:
        return render_now(event)
    return consume_batch(event, context, render_record)
