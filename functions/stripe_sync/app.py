"""Keeping in step with Stripe, on support's request and on a schedule (API.md, "Keeping in
step with Stripe"):

- POST /v1/support/accounts/{account_id}/resync: the provisioning import again (queued);
- POST /v1/support/stripe/catch-up: the catch-up now;
- the schedule (EventBridge, every CatchUpRateMinutes): the catch-up.

The catch-up applies events through the Stripe events consumer's own code and ledger
(shared.webhooks.dispatch), so this function's role can do what that consumer does."""

from typing import Any, TypedDict

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.http.app import create_app, http_handler
from shared.http.auth import require_support
from shared.observability import logger, metrics
from shared.runtime import cached_settings
from shared.stripe.gateway import gateway_for
from shared.stripe.history import StripeHistory
from shared.stripe.reads import GatewayReads
from shared.sync.catch_up import CatchUpResult, run_catch_up
from shared.sync.status import SyncStatus, queue_import
from shared.timeutil import from_epoch, iso
from shared.webhooks.dispatch import WebhookContext


class ResyncView(TypedDict):
    account_id: str
    status: str


class CatchUpRun(TypedDict):
    events_seen: int
    events_applied: int
    checkpoint: str | None


app = create_app()


@app.post("/v1/support/accounts/<account_id>/resync", status_code=202)
def resync(account_id: str) -> ResyncView:
    queue_import(cached_settings(), account_id)
    return ResyncView(account_id=account_id, status=SyncStatus.IMPORTING)


@app.post("/v1/support/stripe/catch-up")
def catch_up_now() -> CatchUpRun:
    result = catch_up(app.lambda_context)
    return CatchUpRun(
        events_seen=result.events_seen,
        events_applied=result.events_applied,
        checkpoint=iso(from_epoch(result.checkpoint)) if result.checkpoint else None,
    )


def catch_up(context: LambdaContext) -> CatchUpResult:
    settings = cached_settings()
    gateway = gateway_for(settings)
    return run_catch_up(
        history=StripeHistory(gateway),
        context=WebhookContext(settings, lambda: GatewayReads(gateway)),
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        interval_seconds=settings.catch_up_rate_minutes * 60,
    )


http_entry = http_handler(app, authorize=require_support)


@logger.inject_lambda_context
@metrics.log_metrics
def scheduled_entry(_: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = catch_up(context)
    return {"events_seen": result.events_seen, "events_applied": result.events_applied}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # EventBridge's scheduled events come from "aws.events"; anything else is an HTTP request.
    if event.get("source") == "aws.events":
        answer: dict[str, Any] = scheduled_entry(event, context)
        return answer
    return http_entry(event, context)
