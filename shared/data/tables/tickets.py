"""The Tickets table: cancellation tickets and their reassignment progress."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.data.connection import register_tables


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


register_tables({"tickets_table": TicketModel})
