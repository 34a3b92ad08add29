"""What every benchmark module shares: rows, a timer, and cold-start measurement.

A benchmark module is `bench/rows_<topic>.py` with `def measure(ctx: BenchContext) ->
list[BenchRow]`; `python -m bench` finds every such module and prints one table."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchRow:
    name: str
    measured: float
    unit: str  # "x" for ratios, or "KB", "writes/lead", ...
    target: float | None = None
    detail: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.measured <= self.target

    def render(self) -> str:
        target = "" if self.target is None else f"<= {self.target:g}{self.unit}"
        mark = {True: "PASS", False: "FAIL", None: "-"}[self.passed]
        measured = f"{self.measured:.2f}{self.unit}"
        return f"| {self.name} | {measured} | {target} | {mark} | {self.detail} |"


@dataclass
class BenchContext:
    stack: LocalStack
    repeats: int = 15
    # Fresh-process samples per cold-start row, each side's best kept: on these shared machines
    # one run in three is disturbed by a third or more, and the best of fewer samples wanders.
    cold_repeats: int = 15

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.stack.environment}


class BenchLambdaContext:
    """The Lambda context attributes Powertools reads."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


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


def _requirement_lines(path: Path) -> list[str]:
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
        _requirement_lines(ROOT / "shared" / "requirements.txt")
        + _requirement_lines(function_dir / "requirements.txt")
    )


DEPLOYED_CODE = ("shared", "functions", "bench/fastapi_invoices")


def deployed_code_site() -> Path:
    """Deployed code (`shared/`, `functions/`, the alternative in `bench/`) as it is deployed:
    a copy with bytecode, built once per source revision. Lambda's file system is read-only, so
    code shipped without bytecode compiles on every cold start; every artifact ships it
    (packaging/Makefile). Measuring the working tree would charge each cold start for compiling."""
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


def fresh_process_seconds(
    script: str, env: dict[str, str], repeats: int, site: Path, code: Path | None = None
) -> float:
    """Least CPU time of a fresh interpreter running `script`, which prints the CPU time
    (`time.process_time`: user + system, all threads) of the measured part as JSON
    {"seconds": ...}, so interpreter start-up is excluded.

    CPU time, not wall time: the wall time of a first request against the local stack is mostly
    the emulator's own latency (moto answers a Query of a few dozen invoices in 100-300 ms where
    DynamoDB takes milliseconds, a GetItem much faster), which says nothing about our cold start;
    and on these shared machines wall time also carries whatever else runs. What a function
    costs before its first answer is its own CPU work: imports, client set-up, our code.

    The interpreter sees only `site` and `code` (`-S`: no site-packages of its own; run from
    `code` or the site so the working directory adds nothing), as a Lambda function sees only
    its package and layers."""
    folders = [site] if code is None else [site, code]
    env = {**env, "PYTHONPATH": os.pathsep.join(str(folder) for folder in folders)}
    command = [sys.executable, "-S", "-c", script]
    samples = []
    for _ in range(repeats):
        output = subprocess.run(
            command, env=env, cwd=folders[-1], capture_output=True, text=True, check=True
        ).stdout
        samples.append(float(json.loads(output.strip().splitlines()[-1])["seconds"]))
    # The fastest run is the one least disturbed by whatever else the machine was doing
    # (these machines are shared); the work itself is the same every run (as timeit does).
    return min(samples)


COLD_START_SCRIPT = """
import json, time
class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000
event = json.loads({event!r})
started = time.process_time()
import importlib
module = importlib.import_module({module!r})
result = module.lambda_handler(event, Context())
elapsed = time.process_time() - started
assert result.get("statusCode", 200) < 500, result
print(json.dumps({{"seconds": elapsed}}))
"""


def cold_start_seconds(
    module: str, event: dict[str, Any], env: dict[str, str], repeats: int
) -> float:
    """CPU time of import + first request of a handler in a fresh process, against the local
    stack."""
    script = COLD_START_SCRIPT.format(module=module, event=json.dumps(event))
    return fresh_process_seconds(
        script, env, repeats, site=function_site(module), code=deployed_code_site()
    )


FLOOR_SCRIPT = """
import json, time
started = time.process_time()
import boto3
{extra_import}
client = boto3.client("dynamodb")
client.get_item(TableName={table!r}, Key={{"account_id": {{"S": "bench-floor"}}}})
print(json.dumps({{"seconds": time.process_time() - started}}))
"""


def floor_seconds(env: dict[str, str], table: str, repeats: int, *, with_stripe: bool) -> float:
    """The floor a function is compared with: a fresh process that imports boto3 (and stripe for
    functions that call Stripe), creates the DynamoDB client and does one GetItem."""
    script = FLOOR_SCRIPT.format(table=table, extra_import="import stripe" if with_stripe else "")
    site = lambda_site(_requirement_lines(STRIPE_REQUIREMENTS) if with_stripe else [])
    return fresh_process_seconds(script, env, repeats, site=site)


def cold_start_vs_floor(
    module: str,
    event: dict[str, Any],
    env: dict[str, str],
    repeats: int,
    *,
    table: str,
    with_stripe: bool,
) -> tuple[float, float]:
    """(function, floor) cold starts sampled in turn, so load from elsewhere weighs on both
    alike; each side's least-disturbed run is kept."""
    functions, floors = [], []
    for _ in range(repeats):
        floors.append(floor_seconds(env, table, 1, with_stripe=with_stripe))
        functions.append(cold_start_seconds(module, event, env, 1))
    return min(functions), min(floors)
