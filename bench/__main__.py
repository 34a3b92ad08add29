"""Runs every `bench/rows_*.py` module against one local stack and prints one table."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import uuid

from bench.core import BenchContext, BenchRow
from local.stack import LocalStack, StackConfig


def main() -> int:
    stack = LocalStack(StackConfig.on_free_ports(prefix=f"bench-{uuid.uuid4().hex[:6]}"))
    stack.start()
    rows: list[BenchRow] = []
    try:
        context = BenchContext(stack=stack)
        names = sorted(
            module.name
            for module in pkgutil.iter_modules(["bench"])
            if module.name.startswith("rows_")
        )
        selected = sys.argv[1:]
        for name in names:
            if selected and not any(part in name for part in selected):
                continue
            module = importlib.import_module(f"bench.{name}")
            rows.extend(module.measure(context))
    finally:
        stack.stop()
    print("| benchmark | measured | target | result | detail |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row.render())
    failed = [row for row in rows if row.passed is False]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} rows within target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
