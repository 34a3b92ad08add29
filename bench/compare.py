"""Two kept `make bench` runs side by side: `python -m bench.compare [OLD.json] [NEW.json]`
(by default the two most recent runs in `.bench/`). Rows are matched by name."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import OUT


def _runs(arguments: list[str]) -> tuple[Path, Path]:
    if len(arguments) == 2:
        return Path(arguments[0]), Path(arguments[1])
    kept = sorted(path for path in OUT.glob("*.json") if path.name != "latest.json")
    if len(arguments) == 1 and kept:
        return Path(arguments[0]), kept[-1]
    if len(kept) < 2:
        raise SystemExit(f"need two runs to compare; {len(kept)} kept in {OUT}")
    return kept[-2], kept[-1]


def _measured(row: dict[str, Any] | None) -> str:
    return "" if row is None else f"{row['measured']:.2f}{row['unit']} {row['result']}"


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    old_rows = {row["name"]: row for row in old["rows"]}
    new_rows = {row["name"]: row for row in new["rows"]}
    names = list(new_rows) + [name for name in old_rows if name not in new_rows]
    lines = [
        f"| benchmark | {old['commit']} ({old['started']}) | {new['commit']} ({new['started']}) "
        "| new / old |",
        "|---|---|---|---|",
    ]
    for name in names:
        before, after = old_rows.get(name), new_rows.get(name)
        change = ""
        if before and after and before["measured"]:
            change = f"{after['measured'] / before['measured']:.3f}"
        lines.append(f"| {name} | {_measured(before)} | {_measured(after)} | {change} |")
    return "\n".join([*lines, "", f"old: {old['summary']}", f"new: {new['summary']}"])


def main(arguments: list[str]) -> int:
    old, new = _runs(arguments)
    print(f"{old} -> {new}\n")
    print(compare(json.loads(old.read_text()), json.loads(new.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
