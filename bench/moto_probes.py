"""Probes into the local DynamoDB (moto's server, running in the bench's own process): what a
request reads, as DynamoDB reports it, and a DynamoDB-like partition lookup for table Queries.

What DynamoDB reads is what a listing's cost at scale depends on: a Query reads the caller's
partition whatever else the table holds, a Scan reads the table. moto reports the same
`ScannedCount` DynamoDB does (items the key condition matched, before any filter), and
ConsumedCapacity when asked (`ReturnConsumedCapacity=TOTAL`), though as a flat charge per
request (1 unit per Query or Scan, 0.5 per GetItem) rather than by size."""

from __future__ import annotations

import inspect
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

READS = ("query", "scan", "get_item", "batch_get_item")


@dataclass(frozen=True)
class Read:
    operation: str  # query, scan, get_item, batch_get_item
    table: str
    examined: int  # ScannedCount of a Query or Scan; the keys asked for by a GetItem or batch
    capacity: float


@dataclass
class Reads:
    """Every DynamoDB read answered while recording, whichever client sent it."""

    reads: list[Read] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, read: Read) -> None:
        with self.lock:
            self.reads.append(read)

    @property
    def examined(self) -> int:
        return sum(read.examined for read in self.reads)

    @property
    def capacity(self) -> float:
        return sum(read.capacity for read in self.reads)

    def summary(self) -> str:
        counted = Counter(read.operation for read in self.reads)
        return ", ".join(f"{operation} x{n}" for operation, n in sorted(counted.items()))


def _capacity(body: dict[str, Any]) -> float:
    consumed = body.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(entry.get("CapacityUnits", 0) for entry in entries))


def _examined(operation: str, request: dict[str, Any], answer: dict[str, Any]) -> int:
    if operation in ("query", "scan"):
        return int(answer.get("ScannedCount", 0))
    if operation == "get_item":
        return 1
    return sum(len(batch.get("Keys", [])) for batch in request.get("RequestItems", {}).values())


def _recording(
    operation: str, original: Callable[[DynamoHandler], Any], reads: Reads
) -> Callable[[DynamoHandler], Any]:
    def read(handler: DynamoHandler) -> Any:
        request: dict[str, Any] = handler.body
        asked = request.get("ReturnConsumedCapacity", "NONE")
        if asked == "NONE":
            request["ReturnConsumedCapacity"] = "TOTAL"
        answer = original(handler)
        body: dict[str, Any] = answer.result
        reads.add(
            Read(
                operation,
                str(request.get("TableName", "(batch)")),
                _examined(operation, request, body),
                _capacity(body),
            )
        )
        if asked == "NONE":  # the caller gets the answer it asked for
            body.pop("ConsumedCapacity", None)
        return answer

    return read


@contextmanager
def recorded_reads() -> Iterator[Reads]:
    """While active, every read the local DynamoDB answers is recorded (with the capacity it
    consumed, asked for on the caller's behalf and removed from the answer when not wanted)."""
    reads = Reads()
    originals = {name: getattr(DynamoHandler, name) for name in READS}
    for name, original in originals.items():
        setattr(DynamoHandler, name, _recording(name, original, reads))
    try:
        yield reads
    finally:
        for name, original in originals.items():
            setattr(DynamoHandler, name, original)


@contextmanager
def partition_lookup() -> Iterator[None]:
    """While active, moto answers a table Query from the queried partition only, as DynamoDB
    does, instead of sorting every item of the table (which makes a Query's latency there grow
    with the table although DynamoDB's does not)."""
    original_query = Table.query
    original_all_items = Table.all_items
    signature = inspect.signature(original_query)
    current = threading.local()

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        by_partition = arguments.get("index_name") is None and bool(self.range_key_attr)
        current.partition = arguments["hash_key"] if by_partition else None
        try:
            return original_query(self, *args, **kwargs)
        finally:
            current.partition = None

    def all_items(self: Table) -> Any:
        partition = getattr(current, "partition", None)
        if partition is None:
            return original_all_items(self)
        return sorted(self.items.get(partition, {}).values(), key=lambda item: item.range_key)

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original_query  # type: ignore[method-assign]
        Table.all_items = original_all_items  # type: ignore[method-assign]
