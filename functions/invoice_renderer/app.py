"""Renders invoice PDFs into the private bucket. Two ways in:

- the render queue (SQS): `{"account_id", "invoice_id"}` from the Stripe events consumer
  whenever an invoice changes, or `{"account_id", "invoice_ids"}` (up to ten) from a Stripe
  import (`shared.billing.invoices.render_queue`). A message that fails is reported alone
  (partial batch failure) and retried by SQS, then dead-lettered; the rest of the batch is not
  redone, and a group's retry renders only what is not current yet;
- a direct invocation by the download function, for a PDF that is missing or stale: the answer
  is `{"pdf_key": ...}` (null when the invoice is gone or still a draft)."""

from typing import Annotated, Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.billing.invoices.render_queue import RENDER_GROUP_SIZE
from shared.billing.invoices.rendering import handle_render_request
from shared.data.consumers import consume_batch
from shared.errors import NotFound
from shared.observability import logger, metrics, tracer
from shared.runtime import cached_settings

InvoiceId = Annotated[str, Field(pattern=r"^in_[A-Za-z0-9_]+$", max_length=255)]


class RenderRequest(BaseModel):
    """One invoice: a queue message (Stripe events consumer) or a direct invocation (download)."""

    account_id: str = Field(min_length=1, max_length=128)
    invoice_id: InvoiceId


class RenderGroup(BaseModel):
    """Several invoices of one account (a Stripe import's page)."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, max_length=128)
    invoice_ids: list[InvoiceId] = Field(min_length=1, max_length=RENDER_GROUP_SIZE)


RENDER_MESSAGE: TypeAdapter[RenderRequest | RenderGroup] = TypeAdapter(RenderRequest | RenderGroup)


def render(request: RenderRequest) -> str | None:
    logger.append_keys(invoice_id=request.invoice_id)
    try:
        return handle_render_request(cached_settings(), request.account_id, request.invoice_id)
    finally:
        logger.remove_keys(["invoice_id"])


def render_record(record: SQSRecord) -> None:
    message = RENDER_MESSAGE.validate_json(record.body)
    if isinstance(message, RenderRequest):
        render(message)
        return
    failures: list[Exception] = []
    for invoice_id in message.invoice_ids:
        try:
            render(RenderRequest(account_id=message.account_id, invoice_id=invoice_id))
        except Exception as error:
            # The group's other invoices still render; the message fails with the first error.
            logger.exception("invoice in a render group failed", extra={"invoice_id": invoice_id})
            failures.append(error)
    if failures:
        raise failures[0]


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
