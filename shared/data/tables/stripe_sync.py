"""StripeCustomers (which account owns a Stripe customer) and SyncState (the catch-up's
checkpoint): the tables that keep us in step with Stripe."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from shared.data.connection import register_tables


class StripeCustomerModel(Model):
    """Which account a Stripe customer belongs to: written with the account, conditionally, so
    two accounts can never share one customer (a GSI cannot enforce uniqueness)."""

    class Meta:
        table_name = "StripeCustomers"

    stripe_customer_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()


class SyncStateModel(Model):
    """The Stripe catch-up's checkpoint and last run (one item, `name` = "catch-up")."""

    class Meta:
        table_name = "SyncState"

    name = UnicodeAttribute(hash_key=True)
    # Stripe `created` (epoch seconds) up to which every event has been applied.
    checkpoint = NumberAttribute(default=0)
    last_run_at = UTCDateTimeAttribute(null=True)
    events_seen = NumberAttribute(default=0)
    events_applied = NumberAttribute(default=0)
    # Set when the checkpoint was older than Stripe keeps events (30 days): resync recommended.
    gap_detected_at = UTCDateTimeAttribute(null=True)


register_tables({"stripe_customers_table": StripeCustomerModel, "sync_state_table": SyncStateModel})
