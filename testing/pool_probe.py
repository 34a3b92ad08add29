"""The unassigned-pool query exactly as support's route sends it (shared.leads.pool.pool_query),
with DynamoDB's own accounting: what it examined (`ScannedCount`) and the capacity it consumed
(`ReturnConsumedCapacity=TOTAL`), summed over every page. The bench row "the pool query examines
as much with 20,000 assigned leads in the table as with none" and the tests call it.

Needs the data layer configured (shared.runtime.cached_settings()) against the local stack."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from shared.data.connection import shared_connection
from shared.data.tables.leads import LeadModel
from shared.leads.pool import pool_query


@dataclass(frozen=True)
class PoolQueryCost:
    returned: int  # pooled leads the query answered (Count)
    examined: int  # items DynamoDB read to answer it (ScannedCount)
    capacity: float  # read capacity units consumed
    pages: int
    seconds: float  # wall time of all pages (information: the local DynamoDB is moto)


def pool_query_cost(territory: str | None = None, *, page_size: int = 100) -> PoolQueryCost:
    """Reads the whole pool (or one territory's part), page by page, as the route would."""
    hash_key, range_key_condition = pool_query(territory)
    connection = shared_connection()
    returned = examined = pages = 0
    capacity = 0.0
    start: dict[str, Any] | None = None
    began = time.perf_counter()
    while True:
        page = connection.query(
            LeadModel.Meta.table_name,
            hash_key,
            range_key_condition=range_key_condition,
            index_name=LeadModel.in_pool.Meta.index_name,
            limit=page_size,
            exclusive_start_key=start,
            return_consumed_capacity="TOTAL",
        )
        pages += 1
        returned += int(page.get("Count", 0))
        examined += int(page.get("ScannedCount", 0))
        capacity += float((page.get("ConsumedCapacity") or {}).get("CapacityUnits", 0))
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return PoolQueryCost(returned, examined, capacity, pages, time.perf_counter() - began)
