"""SQS consumer of the import queue: brings one account's read model up to its Stripe
customer's whole history (shared.sync.importer), on provisioning and on resync.

A failed import is retried by SQS (its message comes back after the visibility timeout); the
last attempt marks the account's `stripe_sync` as `failed` before its message is dead-lettered,
so support sees it and can resync once Stripe answers again."""

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.data.consumers import consume_batch
from shared.errors import InvalidRequest
from shared.observability import logger, metrics
from shared.runtime import cached_settings
from shared.stripe.gateway import gateway_for
from shared.stripe.history import StripeHistory
from shared.stripe.reads import GatewayReads
from shared.sync.importer import import_account
from shared.sync.status import SyncStatus, set_sync_status

# The import queue's maxReceiveCount (template.yaml, StripeImportQueue).
MAX_ATTEMPTS = 3


def account_of(record: SQSRecord) -> str:
    try:
        account_id = json.loads(record.body).get("account_id")
    except (ValueError, AttributeError):
        account_id = None
    if not isinstance(account_id, str) or not account_id:
        raise InvalidRequest("An import message names an account_id.")
    return account_id


def import_record(record: SQSRecord) -> None:
    account_id = account_of(record)
    settings = cached_settings()
    gateway = gateway_for(settings)
    try:
        import_account(
            account_id,
            settings=settings,
            history=StripeHistory(gateway),
            reads=GatewayReads(gateway),
        )
    except Exception:
        attempt = int(record.attributes.approximate_receive_count)
        logger.exception("stripe import failed", extra={"account": account_id, "attempt": attempt})
        if attempt >= MAX_ATTEMPTS:
            set_sync_status(account_id, SyncStatus.FAILED)
        raise
    metrics.add_metric(name="StripeImports", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    cached_settings()
    return consume_batch(event, context, import_record)
