"""The table of one `python -m bench` run, printed and kept: JSON and Markdown in `.bench/`
(git-ignored) named `<UTC time>-<git short sha>`, plus `latest.json` and `latest.md`, so two
runs can be compared (`python -m bench.compare`)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core import ROOT, BenchRow

OUT = ROOT / ".bench"
HEADER = "| benchmark | measured | target | result | detail |\n|---|---|---|---|---|"


@dataclass(frozen=True)
class Run:
    rows: list[BenchRow]
    selected: list[str]  # the module filters given (`python -m bench cold`), none for all
    started: datetime
    finished: datetime

    @property
    def judged(self) -> list[BenchRow]:
        return [row for row in self.rows if row.passed is not None]

    def summary(self) -> str:
        within = sum(1 for row in self.judged if row.passed)
        informational = len(self.rows) - len(self.judged)
        return (
            f"{within} of {len(self.judged)} judged rows within target "
            f"({informational} rows of information, no target)"
        )

    def table(self) -> str:
        return "\n".join([HEADER, *(row.render() for row in self.rows)])


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def as_json(run: Run) -> dict[str, Any]:
    return {
        "started": run.started.isoformat(timespec="seconds"),
        "finished": run.finished.isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "working_tree_changed": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "selected": run.selected,
        "reassignment_leads": os.environ.get("BENCH_REASSIGNMENT_LEADS", "10000"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "summary": run.summary(),
        "rows": [
            {
                "name": row.name,
                "measured": row.measured,
                "unit": row.unit,
                "target": row.target,
                "result": row.result,
                "detail": row.detail,
                "figures": row.figures,
            }
            for row in run.rows
        ],
    }


def as_markdown(run: Run, meta: dict[str, Any]) -> str:
    selection = f", rows of {' '.join(run.selected)}" if run.selected else ""
    changed = " + uncommitted changes" if meta["working_tree_changed"] else ""
    return (
        f"`make bench` {meta['started']} (commit {meta['commit']}{changed}; "
        f"BENCH_REASSIGNMENT_LEADS={meta['reassignment_leads']}{selection}; "
        f"{meta['machine']['cpus']} CPUs)\n\n{run.table()}\n\n{run.summary()}.\n"
    )


def keep(run: Run) -> list[Path]:
    """Writes the run's JSON and Markdown (and the `latest.*` copies); returns their paths."""
    meta = as_json(run)
    OUT.mkdir(exist_ok=True)
    stem = f"{run.started.strftime('%Y%m%dT%H%M%SZ')}-{meta['commit']}"
    texts = {"json": json.dumps(meta, indent=2) + "\n", "md": as_markdown(run, meta)}
    written = []
    for suffix, text in texts.items():
        for name in (f"{stem}.{suffix}", f"latest.{suffix}"):
            path = OUT / name
            path.write_text(text)
            written.append(path)
    return written


def now() -> datetime:
    return datetime.now(UTC)
