"""The WebhookEvents table: every Stripe event received and its exactly-once claim."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.data.connection import register_tables


class WebhookEventModel(Model):
    """Every Stripe event received, its outcome, and the exactly-once guard (conditional put)."""

    class Meta:
        table_name = "WebhookEvents"

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    stripe_created = NumberAttribute(default=0)
    received_at = UTCDateTimeAttribute()
    outcome = UnicodeAttribute()  # processing|processed|duplicate|ignored|failed
    detail = UnicodeAttribute(null=True)
    duplicates = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


register_tables({"webhook_events_table": WebhookEventModel})
