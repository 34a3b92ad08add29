"""The Leads table: each lead, its assigned agent (or the unassigned pool) and its history."""

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


register_tables({"leads_table": LeadModel})
