"""An account's standing against Stripe (`stripe_sync` in the API), and the request to import
its history. Kept apart from the importer so that provisioning and resync (support's request
path) load neither the Stripe SDK nor the invoice sync."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pynamodb.exceptions import UpdateError

from shared.config import Settings
from shared.data.conditions import condition_failed
from shared.data.queues import send_message
from shared.data.tables.accounts import AccountModel
from shared.errors import NotFound
from shared.timeutil import utc_now


class SyncStatus(StrEnum):
    IMPORTING = "importing"
    CURRENT = "current"
    FAILED = "failed"


def set_sync_status(account_id: str, status: SyncStatus) -> None:
    actions: list[Any] = [
        AccountModel.sync_status.set(status),
        AccountModel.updated_at.set(utc_now()),
    ]
    if status == SyncStatus.CURRENT:
        actions.append(AccountModel.last_synced_at.set(utc_now()))
    try:
        AccountModel(account_id).update(actions=actions, condition=AccountModel.account_id.exists())
    except UpdateError as error:
        if condition_failed(error):
            raise NotFound(f"No account {account_id}.") from None
        raise


def queue_import(settings: Settings, account_id: str) -> None:
    """Marks the account `importing` and queues its import (provisioning and resync)."""
    set_sync_status(account_id, SyncStatus.IMPORTING)
    send_message(settings, settings.stripe_import_queue_url, {"account_id": account_id})
