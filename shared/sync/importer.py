"""Import: an account's whole Stripe history into the read model, without waiting for events.

Runs when support provisions an account for an existing Stripe customer (every agent on launch
day) and on demand (resync). The import queue's consumer (functions/stripe_import) reads the
customer's default card, its subscription and every invoice, page by page, and writes each page
of invoices in ONE DynamoDB transaction of conditional updates (the same ordering guard as the
webhook's, shared.billing.invoices.sync), so it never half-writes an invoice and never moves one
backwards. Everything is written "as of" the moment the reads began: a later event still
applies on top, an earlier one finds a newer state already stored. PDFs are queued for every
finalized invoice (the renderer skips a PDF that is already current).

A failed import is retried by SQS; on its last attempt the account says `failed`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError

from shared.accounts.sync import apply_subscription, refresh_card
from shared.billing.invoices.render_queue import queue_render_groups
from shared.billing.invoices.sync import InvoiceWrite, apply_write, prepare_write
from shared.config import Settings
from shared.data.conditions import cancellation_codes
from shared.data.tables.accounts import AccountModel
from shared.data.updates import run_transaction
from shared.observability import logger
from shared.stripe.history import StripeHistory
from shared.stripe.reads import StripeMapping, StripeReads
from shared.sync.status import SyncStatus, set_sync_status

TERMINAL_SUBSCRIPTION_STATUSES = frozenset({"canceled", "incomplete_expired"})


@dataclass
class ImportResult:
    invoices: int = 0
    applied: int = 0
    already_newer: int = 0
    renders_queued: int = 0
    list_calls: int = 0


def import_account(
    account_id: str,
    *,
    settings: Settings,
    history: StripeHistory,
    reads: StripeReads,
    clock: Callable[[], float] = time.time,
) -> ImportResult:
    try:
        account = AccountModel.get(account_id)
    except AccountModel.DoesNotExist:
        logger.warning("import of an account that no longer exists", extra={"account": account_id})
        return ImportResult()
    customer_id = account.stripe_customer_id
    if not customer_id:
        set_sync_status(account_id, SyncStatus.CURRENT)
        return ImportResult()
    # Everything read from here on is at least as new as this moment.
    read_at = int(clock())
    refresh_card(account, reads, event_created=read_at)
    subscription = followed_subscription(history.subscriptions(customer_id))
    if subscription is not None:
        apply_subscription(account, subscription, event_created=read_at)
    result = ImportResult()
    for page in history.invoice_pages(customer_id):
        writes = [
            prepare_write(
                invoice,
                account_id=account_id,
                event_created=read_at,
                event_id=None,
                event_type=None,
                reads=reads,
            )
            for invoice in page
        ]
        applied = write_page(writes)
        result.invoices += len(writes)
        result.applied += len(applied)
        result.already_newer += len(writes) - len(applied)
        result.renders_queued += queue_renders(settings, account_id, applied)
    result.list_calls = history.list_calls
    set_sync_status(account_id, SyncStatus.CURRENT)
    logger.info("stripe import done", extra={"account": account_id, **result.__dict__})
    return result


def followed_subscription(subscriptions: list[StripeMapping]) -> StripeMapping | None:
    """The subscription the account follows: the newest that has not ended, else the newest."""
    if not subscriptions:
        return None
    newest_first = sorted(subscriptions, key=lambda item: int(item.get("created") or 0))[::-1]
    live = [
        item for item in newest_first if item.get("status") not in TERMINAL_SUBSCRIPTION_STATUSES
    ]
    return (live or newest_first)[0]


def write_page(writes: list[InvoiceWrite]) -> list[InvoiceWrite]:
    """One transaction for the page (at most 100 items, DynamoDB's limit, and Stripe's page
    size). If any invoice is already newer, or another writer collided with us, the page is
    written one invoice at a time instead; each write keeps its own ordering guard."""
    if not writes:
        return []
    try:
        run_transaction([item.request for item in writes])
    except TransactWriteError as error:
        if not cancellation_codes(error):
            raise
        return [item for item in writes if apply_write(item) is not None]
    return writes


def queue_renders(settings: Settings, account_id: str, applied: list[InvoiceWrite]) -> int:
    final = [item.invoice_id for item in applied if item.status != "draft"]
    return queue_render_groups(settings, account_id, final)
