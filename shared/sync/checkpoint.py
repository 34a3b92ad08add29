"""The catch-up's checkpoint (SyncState table): the Stripe `created` time up to which every
event has been applied. Read by the operations view, moved by the catch-up."""

from __future__ import annotations

from shared.data.tables.stripe_sync import SyncStateModel

CHECKPOINT = "catch-up"


def load_state() -> SyncStateModel:
    try:
        return SyncStateModel.get(CHECKPOINT)
    except SyncStateModel.DoesNotExist:
        return SyncStateModel(CHECKPOINT, checkpoint=0)
