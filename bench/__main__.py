"""Runs every `bench/rows_*.py` module against one local stack, prints one table and keeps it
in `.bench/` (see `bench.report`). `python -m bench cold webhook` runs only the modules whose
name contains one of the words given (here rows_cold_starts and rows_webhook)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import uuid

from bench.core import ROOT, BenchContext, BenchRow
from bench.report import Run, keep, now
from local.stack import LocalStack, StackConfig


def main() -> int:
    started = now()
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
    run = Run(rows, selected, started, now())
    print(run.table())
    print(f"\n{run.summary()}")
    print("kept in " + ", ".join(str(path.relative_to(ROOT)) for path in keep(run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
