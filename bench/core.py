"""What every benchmark module shares: rows, a timer, and the folders a fresh process imports
from (a Lambda-like site per function, and a copy of our code with bytecode); cold starts
themselves are measured by `bench.coldstart`.

A benchmark module is `bench/rows_<topic>.py` with `def measure(ctx: BenchContext) ->
list[BenchRow]`; `python -m bench` finds every such module, prints one table and keeps it
(`bench.report`)."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchRow:
    name: str
    measured: float
    unit: str  # "x" for ratios, or "KB", "writes/lead", ...
    target: float | None = None  # None: information, judged by nobody
    detail: str = ""
    figures: dict[str, float] = field(default_factory=dict)  # raw numbers, kept in the JSON

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.measured <= self.target

    @property
    def result(self) -> str:
        return {True: "PASS", False: "FAIL", None: "-"}[self.passed]

    @property
    def shown_target(self) -> str:
        return "" if self.target is None else f"<= {self.target:g}{self.unit}"

    @property
    def shown_measured(self) -> str:
        return f"{self.measured:.2f}{self.unit}"

    def render(self) -> str:
        cells = (self.name, self.shown_measured, self.shown_target, self.result, self.detail)
        return "| " + " | ".join(cells) + " |"


@dataclass
class BenchContext:
    stack: LocalStack
    repeats: int = 15
    # Plain fresh-process samples per cold-start side, each side's best kept. Their CPU time is
    # information only (cold starts are judged on instructions, counted once), so a few do.
    cold_repeats: int = 5

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.stack.environment}


def median_seconds(action: Callable[[], Any], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


BOTO3_PIN = "boto3==1.43.108"  # what the Lambda python3.13 runtime provides
SITE_CACHE = ROOT / ".aws-sam" / "bench-sites"
# The function whose requirements pin the stripe SDK the floor+stripe imports.
STRIPE_REQUIREMENTS = ROOT / "functions" / "card_update" / "requirements.txt"


def requirement_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def lambda_site(requirements: list[str]) -> Path:
    """A site-packages folder holding exactly what a deployed function has (runtime boto3 +
    the given requirements), built once and cached. Cold starts are measured against it, not
    against the dev virtualenv, whose extra packages (sam-cli, moto, ...) would distort imports."""
    wanted = sorted({BOTO3_PIN, *requirements})
    digest = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    site = SITE_CACHE / digest
    if not (site / ".complete").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(site),
                *wanted,
            ],
            check=True,
        )
        # Deployed packages carry bytecode (packaging/Makefile compiles them); compile explicitly
        # because PYTHONDONTWRITEBYTECODE, where set, makes pip skip it.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(site)], check=False)
        (site / ".complete").touch()
    return site


def function_site(module: str) -> Path:
    """The layer's requirements plus the function's own (functions/<name>/requirements.txt)."""
    function_dir = ROOT / Path(*module.split(".")[:-1])
    return lambda_site(
        requirement_lines(ROOT / "shared" / "requirements.txt")
        + requirement_lines(function_dir / "requirements.txt")
    )


# What a fresh process imports from us: the deployed code, and `testing/` for the one fake
# Lambda context the probes hand to handlers (the probe imports it before it starts counting).
DEPLOYED_CODE = ("shared", "functions", "bench/fastapi_invoices", "testing")


@functools.cache  # one copy per run: every probe of a run sees the same code, edited or not
def deployed_code_site() -> Path:
    """Deployed code (`shared/`, `functions/`, the alternative in `bench/`) as it is deployed:
    a copy with bytecode, built once per source revision (with `testing/`, see above). Lambda's
    file system is read-only, so code shipped without bytecode compiles on every cold start;
    every artifact ships it (packaging/Makefile). Measuring the working tree would charge each
    cold start for compiling."""
    sources = sorted(
        path
        for folder in DEPLOYED_CODE
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    digest = hashlib.sha256()
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    site = SITE_CACHE / f"code-{digest.hexdigest()[:16]}"
    if not (site / ".complete").exists():
        for older in SITE_CACHE.glob("code-*"):  # copies of earlier revisions
            shutil.rmtree(older)
        for path in sources:
            target = site / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(site)], check=True)
        (site / ".complete").touch()
    return site
