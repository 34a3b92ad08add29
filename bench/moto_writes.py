"""Probes into the local DynamoDB's writes (moto's server, in the bench's own process): every
write request it answers, whichever client sent it, with the items it carried per table and
whether it failed (a failed conditional put is still a write request DynamoDB charges for);
transactions rolled back item by item, as DynamoDB's cost suggests, instead of by copying
whole tables; and the time moto's servers spend answering (DynamoDB, SQS), which a wall time
can leave out where moto's cost model is not the service's.

Counting at the server sees what reaches DynamoDB, retries included, and nothing a client
merely prepared; `bench.moto_probes` does the same for reads."""

from __future__ import annotations

import copy
import threading
import time
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.sqs.responses import SQSResponse

WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")


@dataclass(frozen=True)
class Write:
    operation: str  # put_item, update_item, delete_item, batch_write_item, transact_write_items
    items: dict[str, int]  # items written (or checked) per table
    error: str | None  # DynamoDB's error code when it refused, e.g. ConditionalCheckFailed...

    @property
    def failed_condition(self) -> bool:
        return self.error is not None and "ConditionalCheckFailed" in self.error


@dataclass
class Writes:
    """Every DynamoDB write request answered while recording."""

    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def requests(self, operation: str | None = None, table: str | None = None) -> int:
        return sum(
            1
            for write in self.writes
            if operation in (None, write.operation) and (table is None or table in write.items)
        )

    def items(self, table: str) -> int:
        return sum(write.items.get(table, 0) for write in self.writes)

    def summary(self, tables: dict[str, str] | None = None) -> str:
        """`update_item x3 (Accounts 3)`-like, tables named by `tables` (real name -> short)."""
        names = tables or {}
        parts = []
        for operation in sorted({write.operation for write in self.writes}):
            chosen = [write for write in self.writes if write.operation == operation]
            per_table: Counter[str] = Counter()
            for write in chosen:
                for table, count in write.items.items():
                    per_table[names.get(table, table)] += count
            failed = sum(1 for write in chosen if write.error)
            tables_part = ", ".join(f"{table} {n:,}" for table, n in sorted(per_table.items()))
            failed_part = f", {failed:,} refused" if failed else ""
            parts.append(f"{operation} x{len(chosen):,} ({tables_part}{failed_part})")
        return "; ".join(parts) or "none"


def _items(operation: str, request: dict[str, Any]) -> dict[str, int]:
    counted: Counter[str] = Counter()
    if operation == "batch_write_item":
        for table, entries in request.get("RequestItems", {}).items():
            counted[table] += len(entries)
    elif operation == "transact_write_items":
        for entry in request.get("TransactItems", []):
            counted[str(next(iter(entry.values())).get("TableName"))] += 1
    else:
        counted[str(request.get("TableName"))] += 1
    return dict(counted)


def _recording(
    operation: str, original: Callable[[DynamoHandler], Any], writes: Writes
) -> Callable[[DynamoHandler], Any]:
    def write(handler: DynamoHandler) -> Any:
        request: dict[str, Any] = handler.body
        try:
            answer = original(handler)
        except Exception as error:
            code = getattr(error, "error_type", None) or type(error).__name__
            writes.add(Write(operation, _items(operation, request), str(code)))
            raise
        writes.add(Write(operation, _items(operation, request), None))
        return answer

    return write


@contextmanager
def recorded_writes() -> Iterator[Writes]:
    """While active, every write request the local DynamoDB answers is recorded."""
    writes = Writes()
    originals = {name: getattr(DynamoHandler, name) for name in WRITES}
    for name, original in originals.items():
        setattr(DynamoHandler, name, _recording(name, original, writes))
    try:
        yield writes
    finally:
        for name, original in originals.items():
            setattr(DynamoHandler, name, original)


# moto keeps a copy of the table for its rollback, taken again for every item of the request.
_NO_COPY = types.SimpleNamespace(deepcopy=lambda value, *_: value)


def _key(backend: DynamoDBBackend, operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    table_name = str(operation["TableName"])
    if "Key" in operation:
        return table_name, operation["Key"]
    table = backend.get_table(table_name)
    attributes = operation["Item"]
    key_names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return table_name, {name: attributes[name] for name in key_names}


@contextmanager
def item_level_rollback() -> Iterator[None]:
    """While active, a TransactWriteItems keeps the previous state of the items it names (and
    puts them back if it is cancelled) instead of moto's deep copy of the whole table for every
    item it names: a 100-item transaction on a table of n items costs moto 100 copies of n items
    (O(n) per write), where DynamoDB's cost is its items. The answers are unchanged.

    Relies on the local DynamoDB answering one request at a time (local.dynamodb), which keeps
    the swapped-out copy private to the transaction."""
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        try:
            keys = [_key(self, next(iter(item.values()))) for item in transact_items]
            before = [(table, key, copy.deepcopy(self.get_item(table, key))) for table, key in keys]
        except Exception:  # malformed: moto's own checks answer it, with its own rollback
            return original(self, transact_items)
        setattr(dynamodb_models, "copy", _NO_COPY)  # noqa: B010 (moto's module global)
        try:
            return original(self, transact_items)
        except Exception:
            for table, key, item in reversed(before):
                if item is not None:
                    self.put_item(table, item.to_json()["Attributes"])
                elif self.get_item(table, key) is not None:
                    self.delete_item(table, key)
            raise
        finally:
            setattr(dynamodb_models, "copy", copy)  # noqa: B010

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]


@dataclass
class ServerTime:
    """Seconds moto's servers spent answering, per `service.Action` (`sqs.SendMessageBatch`),
    while recording: any client's requests, the stack's own pollers' too."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, seconds: float) -> None:
        with self.lock:
            self.seconds[action] += seconds
            self.requests[action] += 1

    def of(self, service: str, *actions: str) -> float:
        """Seconds spent on the service's requests (of these actions, when given)."""
        return sum(
            seconds
            for name, seconds in self.seconds.items()
            if name.split(".")[0] == service and (not actions or name.split(".")[1] in actions)
        )


def _timing(service: str, original: Callable[..., Any], spent: ServerTime) -> Callable[..., Any]:
    def dispatch(handler: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(handler, *args, **kwargs)
        finally:
            spent.add(f"{service}.{handler._get_action()}", time.perf_counter() - started)

    return dispatch


@contextmanager
def server_time() -> Iterator[ServerTime]:
    """While active, the time moto's DynamoDB and SQS spend on each request is added up: from
    the request's parsing to its answer (DynamoDB's one-request-at-a-time wait included), all
    but the HTTP server's own reading and writing."""
    spent = ServerTime()
    handlers: dict[str, type[Any]] = {"dynamodb": DynamoHandler, "sqs": SQSResponse}
    for service, cls in handlers.items():
        assert "_dispatch" not in vars(cls), f"{cls.__name__} dispatches itself"
        cls._dispatch = _timing(service, cls._dispatch, spent)
    try:
        yield spent
    finally:
        for cls in handlers.values():
            del cls._dispatch
