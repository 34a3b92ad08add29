"""The Accounts table (an agent's account, status, card summary, Stripe link and sync state)
and TerritoryAgents (who serves a territory, written with the account)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.data.connection import register_tables

# Account statuses
ACTIVE = "active"
CANCELLATION_REQUESTED = "cancellation_requested"
CANCELLED = "cancelled"


class CardSummary(MapAttribute[str, Any]):
    brand = UnicodeAttribute()
    last4 = UnicodeAttribute()
    exp_month = NumberAttribute()
    exp_year = NumberAttribute()
    payment_method_id = UnicodeAttribute(null=True)


class AccountsByStripeCustomer(GlobalSecondaryIndex["AccountModel"]):
    class Meta:
        index_name = "by_stripe_customer_id"
        projection = AllProjection()

    stripe_customer_id = UnicodeAttribute(hash_key=True)


class AccountsByEmail(GlobalSecondaryIndex["AccountModel"]):
    """Support's lookup by email: an exact match on the lower-cased address."""

    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email_lower = UnicodeAttribute(hash_key=True)


class AccountModel(Model):
    class Meta:
        table_name = "Accounts"

    account_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    # `email` lower-cased (shared.accounts.views.normalised_email), written with it: the key of
    # the by_email index, so a lookup is case-insensitive and still an exact match.
    email_lower = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    status = UnicodeAttribute(default=ACTIVE)
    stripe_customer_id = UnicodeAttribute(null=True)
    subscription_id = UnicodeAttribute(null=True)
    subscription_status = UnicodeAttribute(null=True)
    card = CardSummary(null=True)
    territories = ListAttribute[str](default=list)  # a list of strings
    lead_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    # Stripe `created` of the last customer/subscription event applied (ordering guard).
    customer_event_created = NumberAttribute(default=0)
    subscription_event_created = NumberAttribute(default=0)
    # Keeping in step with Stripe (shared.sync): importing | current | failed; None for an
    # account whose Stripe customer we created (nothing to import).
    sync_status = UnicodeAttribute(null=True)
    last_synced_at = UTCDateTimeAttribute(null=True)

    by_stripe_customer_id = AccountsByStripeCustomer()
    by_email = AccountsByEmail()


class TerritoryAgentModel(Model):
    """Who serves a territory. Maintained with the account (written and removed with it)."""

    class Meta:
        table_name = "TerritoryAgents"

    territory = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)


register_tables({"accounts_table": AccountModel, "territory_agents_table": TerritoryAgentModel})
