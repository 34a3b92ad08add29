"""PynamoDB models of every table. The tables themselves are defined once, in template.yaml;
tests/unit/test_template_tables.py proves these models match it key for key."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.config import Settings

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


class InvoiceLine(MapAttribute[str, Any]):
    description = UnicodeAttribute()
    quantity = NumberAttribute(default=1)
    amount = NumberAttribute()


class InvoicesByInvoiceId(GlobalSecondaryIndex["InvoiceModel"]):
    class Meta:
        index_name = "by_invoice_id"
        projection = AllProjection()

    invoice_id = UnicodeAttribute(hash_key=True)


class InvoiceModel(Model):
    """Our read model of a Stripe invoice. `invoice_key` = zero-padded created epoch + id, so a
    Query on the account's partition in reverse is newest first."""

    class Meta:
        table_name = "Invoices"

    account_id = UnicodeAttribute(hash_key=True)
    invoice_key = UnicodeAttribute(range_key=True)
    invoice_id = UnicodeAttribute()
    stripe_customer_id = UnicodeAttribute(null=True)
    subscription_id = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # Stripe's: draft|open|paid|void|uncollectible
    payment_status = UnicodeAttribute()
    amount_due = NumberAttribute(default=0)
    amount_paid = NumberAttribute(default=0)
    amount_remaining = NumberAttribute(default=0)
    subtotal = NumberAttribute(default=0)
    tax = NumberAttribute(null=True)
    total = NumberAttribute(default=0)
    currency = UnicodeAttribute(default="usd")
    description = UnicodeAttribute(null=True)
    customer_name = UnicodeAttribute(null=True)
    customer_email = UnicodeAttribute(null=True)
    lines = ListAttribute[InvoiceLine](of=InvoiceLine, default=list)
    created = UTCDateTimeAttribute()
    period_start = UTCDateTimeAttribute(null=True)
    period_end = UTCDateTimeAttribute(null=True)
    due_date = UTCDateTimeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    attempt_count = NumberAttribute(default=0)
    next_payment_attempt = UTCDateTimeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    requires_action = BooleanAttribute(default=False)
    # Ordering guard: Stripe `created` of the newest event applied, and its id.
    last_event_created = NumberAttribute(default=0)
    last_event_id = UnicodeAttribute(null=True)
    # Rendered PDF: its S3 key and the payment_status it was rendered for (stale detection).
    pdf_key = UnicodeAttribute(null=True)
    pdf_rendered_for = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()

    by_invoice_id = InvoicesByInvoiceId()


class ReassignmentProgress(MapAttribute[str, Any]):
    total = NumberAttribute(default=0)
    reassigned = NumberAttribute(default=0)
    unassigned = NumberAttribute(default=0)


class TicketsByStatus(GlobalSecondaryIndex["TicketModel"]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created = UnicodeAttribute(range_key=True)


class TicketsByTicketId(GlobalSecondaryIndex["TicketModel"]):
    class Meta:
        index_name = "by_ticket_id"
        projection = AllProjection()

    ticket_id = UnicodeAttribute(hash_key=True)


class TicketModel(Model):
    class Meta:
        table_name = "Tickets"

    account_id = UnicodeAttribute(hash_key=True)
    ticket_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # open|processing|completed|withdrawn|rejected
    reason = UnicodeAttribute()
    comment = UnicodeAttribute(null=True)
    created = UnicodeAttribute()  # ISO-8601 UTC; a string so the status index sorts by it
    updated_at = UTCDateTimeAttribute()
    effective = UnicodeAttribute(null=True)  # immediately|period_end
    decided_by = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    reassignment = ReassignmentProgress(null=True)

    by_status = TicketsByStatus()
    by_ticket_id = TicketsByTicketId()


class AssignmentChange(MapAttribute[str, Any]):
    from_agent_id = UnicodeAttribute(null=True)
    to_agent_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    reason = UnicodeAttribute()
    # Who moved it by hand (support's assign); None for the system's own moves.
    by = UnicodeAttribute(null=True)


class LeadsByAssignedAgent(GlobalSecondaryIndex["LeadModel"]):
    class Meta:
        index_name = "by_assigned_agent_id"
        projection = AllProjection()

    assigned_agent_id = UnicodeAttribute(hash_key=True)
    lead_id = UnicodeAttribute(range_key=True)


# The value of LeadModel.pool while a lead is in the unassigned pool.
IN_POOL = "unassigned"


class LeadsInPool(GlobalSecondaryIndex["LeadModel"]):
    """The unassigned pool, and nothing else: a lead carries `pool` and `pool_key` only while it
    is unassigned (sparse index), so a pool query examines pooled leads only, however many
    assigned leads the table holds. `pool_key` = territory + "#" + lead_id: one territory's
    pool is a key prefix (territories never contain "#")."""

    class Meta:
        index_name = "by_pool"
        projection = AllProjection()

    pool = UnicodeAttribute(hash_key=True)
    pool_key = UnicodeAttribute(range_key=True)


class LeadModel(Model):
    class Meta:
        table_name = "Leads"

    lead_id = UnicodeAttribute(hash_key=True)
    territory = UnicodeAttribute()
    # Null when the lead is in the unassigned pool (absent from the agent index: sparse).
    assigned_agent_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="assigned")  # assigned|unassigned
    address = UnicodeAttribute(null=True)
    score = NumberAttribute(null=True)
    history = ListAttribute[AssignmentChange](of=AssignmentChange, default=list)
    updated_at = UTCDateTimeAttribute()
    # Set only while the lead is in the unassigned pool (LeadsInPool), in the same write that
    # removes assigned_agent_id; removed in the write that assigns it (shared.leads).
    pool = UnicodeAttribute(null=True)
    pool_key = UnicodeAttribute(null=True)

    by_assigned_agent_id = LeadsByAssignedAgent()
    in_pool = LeadsInPool()


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


ALL_MODELS: dict[str, type[Model]] = {
    "accounts_table": AccountModel,
    "territory_agents_table": TerritoryAgentModel,
    "invoices_table": InvoiceModel,
    "tickets_table": TicketModel,
    "leads_table": LeadModel,
    "webhook_events_table": WebhookEventModel,
    "stripe_customers_table": StripeCustomerModel,
    "sync_state_table": SyncStateModel,
}


def configure_models(settings: Settings) -> None:
    """Points every model at its table (names come from the template via the environment) and
    makes all of them, and every transaction, share ONE connection: PynamoDB would otherwise
    open a botocore session per model, each loading the DynamoDB service description again
    (~170 ms of cold start per model a request touches)."""
    global _shared_connection
    shared = Connection(region=settings.aws_region, host=settings.aws_endpoint_url)
    for setting_name, model in ALL_MODELS.items():
        model.Meta.table_name = getattr(settings, setting_name)
        model.Meta.region = settings.aws_region
        model.Meta.host = settings.aws_endpoint_url
        model._connection = None  # rebuilt below for the new table name and endpoint
        table_connection = model._get_connection()
        shared.add_meta_table(table_connection.get_meta_table())
        table_connection.connection = shared
    _shared_connection = shared


_shared_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite on the models' shared connection (PynamoDB's default would open another)."""
    if _shared_connection is None:
        raise RuntimeError("configure_models() has not run")
    return TransactWrite(connection=_shared_connection)


def shared_connection() -> Connection:
    if _shared_connection is None:
        raise RuntimeError("configure_models() has not run")
    return _shared_connection
