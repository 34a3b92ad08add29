"""Cold starts: a handler's import and first request in a fresh interpreter, side by side with
a floor (a fresh process that imports boto3, and stripe for functions that call Stripe, creates
a DynamoDB client and does one GetItem) or with another function.

Judged on **instructions**: valgrind's cachegrind counts the instructions (`Ir`) the interpreter
executes, the same to about 0.1% from run to run, where CPU time on these shared 2-core machines
moves by a third and flipped verdicts between runs. Each side runs once under cachegrind, and
once more with its measured part left out (interpreter start-up, the preamble, parsing the
event); the difference is the measured part's count. CPU time (`time.process_time` around the
same part, least of `BenchContext.cold_repeats` plain runs sampled in turn) stays beside it as
information.

Only the function's own process is counted: the local stack (moto, localstripe) answers from
the bench's process, outside valgrind, so its latency and work weigh on neither side. The
interpreter sees only what a deployed function has (`-S`, the function's Lambda site and the
code copy with bytecode, see `bench.core`), as a Lambda function sees only its package and
layers. PYTHONHASHSEED is fixed so set and dict orders, and with them the work, repeat."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.core import (
    STRIPE_REQUIREMENTS,
    BenchContext,
    BenchRow,
    deployed_code_site,
    function_site,
    lambda_site,
    requirement_lines,
)

# The measured part runs between `started` and `elapsed`; the same script without it is the
# baseline whose instructions are subtracted. The one fake Lambda context of the project is
# imported from the code copy (it loads only the standard library).
SCRIPT = """
import json, time
from testing.lambda_context import LambdaContext
{setup}
started = time.process_time()
{measured}
elapsed = time.process_time() - started
print(json.dumps({{"seconds": elapsed}}))
"""

HANDLER_SETUP = """
event = json.loads({event!r})
context = LambdaContext("bench")
"""

HANDLER = """
import importlib
module = importlib.import_module({module!r})
result = module.lambda_handler(event, context)
assert result.get("statusCode", 200) < 500, result
"""

FLOOR = """
import boto3
{extra_import}
client = boto3.client("dynamodb")
client.get_item(TableName={table!r}, Key={{"account_id": {{"S": "bench-floor"}}}})
"""

CACHEGRIND = [
    "valgrind",
    "--tool=cachegrind",
    "--cache-sim=no",
    "--trace-children=no",
]
SUMMARY = re.compile(r"^summary:\s+(\d+)", re.MULTILINE)
# Every API function's cold start, in instructions, against its floor (issue #12).
API_TARGET = 1.2


@dataclass(frozen=True)
class ColdStart:
    instructions: int  # of the measured part, counted once (deterministic)
    cpu_seconds: float  # least of the plain runs: information only


@dataclass(frozen=True)
class Probe:
    """One side of a comparison: a script part to measure, and the folders it may import from."""

    label: str
    setup: Callable[[], str]  # a new setup for every run (a webhook needs a new event each time)
    measured: str
    site: Path
    code: Path

    def script(self, *, measured: bool = True) -> str:
        body = self.measured if measured else "pass"
        return SCRIPT.format(setup=self.setup(), measured=body)


def handler_probe(
    module: str, event: dict[str, Any] | Callable[[], dict[str, Any]], label: str = ""
) -> Probe:
    """`module.lambda_handler(event, context)` in a site holding what the function ships."""
    new_event = event if callable(event) else (lambda: event)

    def setup() -> str:
        return HANDLER_SETUP.format(event=json.dumps(new_event()))

    return Probe(
        label or module,
        setup,
        HANDLER.format(module=module),
        site=function_site(module),
        code=deployed_code_site(),
    )


def floor_probe(table: str, *, with_stripe: bool) -> Probe:
    extra_import = "import stripe" if with_stripe else ""
    requirements = requirement_lines(STRIPE_REQUIREMENTS) if with_stripe else []
    return Probe(
        "floor+stripe" if with_stripe else "floor",
        lambda: "",
        FLOOR.format(extra_import=extra_import, table=table),
        site=lambda_site(requirements),
        code=deployed_code_site(),
    )


def _run(probe: Probe, env: dict[str, str], *, prefix: list[str], measured: bool = True) -> str:
    env = {
        **env,
        "PYTHONPATH": os.pathsep.join([str(probe.site), str(probe.code)]),
        "PYTHONHASHSEED": "0",
    }
    command = [*prefix, sys.executable, "-S", "-c", probe.script(measured=measured)]
    done = subprocess.run(command, env=env, cwd=probe.code, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"{probe.label}: fresh process failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return done.stdout


def cpu_seconds(probe: Probe, env: dict[str, str]) -> float:
    """CPU time of the measured part in one plain fresh process."""
    output = _run(probe, env, prefix=[])
    return float(json.loads(output.strip().splitlines()[-1])["seconds"])


def _total_instructions(probe: Probe, env: dict[str, str], *, measured: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-cachegrind-") as folder:
        out = Path(folder) / "cachegrind.out"
        _run(probe, env, prefix=[*CACHEGRIND, f"--cachegrind-out-file={out}"], measured=measured)
        found = SUMMARY.search(out.read_text())
    if found is None:
        raise RuntimeError(f"{probe.label}: no summary line in cachegrind's output")
    return int(found.group(1))


def instructions(probe: Probe, env: dict[str, str]) -> int:
    """Instructions of the measured part: the whole run less the same run without that part."""
    whole = _total_instructions(probe, env, measured=True)
    return whole - _total_instructions(probe, env, measured=False)


def side_by_side(
    ctx: BenchContext, probes: list[Probe], env: dict[str, str] | None = None
) -> list[ColdStart]:
    """Every probe counted once under cachegrind, then its CPU time sampled in turn with the
    others (`ctx.cold_repeats` rounds, so load from elsewhere weighs on all alike), each side's
    least-disturbed run kept."""
    env = ctx.env() if env is None else env
    counts = [instructions(probe, env) for probe in probes]
    samples: list[list[float]] = [[] for _ in probes]
    for _ in range(ctx.cold_repeats):
        for probe, taken in zip(probes, samples, strict=True):
            taken.append(cpu_seconds(probe, env))
    return [ColdStart(count, min(taken)) for count, taken in zip(counts, samples, strict=True)]


def ratio_row(
    name: str, measured: ColdStart, base: ColdStart, target: float | None, note: str = ""
) -> BenchRow:
    """A row judged on the instruction ratio, CPU time beside it."""
    detail = (
        f"{measured.instructions / 1e9:.3f} G vs {base.instructions / 1e9:.3f} G instructions; "
        f"CPU {measured.cpu_seconds * 1000:.0f} ms vs {base.cpu_seconds * 1000:.0f} ms "
        f"({measured.cpu_seconds / base.cpu_seconds:.2f}x, not judged)"
    )
    return BenchRow(
        name,
        measured.instructions / base.instructions,
        "x",
        target,
        f"{detail}; {note}" if note else detail,
        {
            "instructions": measured.instructions,
            "base_instructions": base.instructions,
            "cpu_seconds": measured.cpu_seconds,
            "base_cpu_seconds": base.cpu_seconds,
        },
    )


def cold_start_row(
    ctx: BenchContext,
    label: str,
    module: str,
    event: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    with_stripe: bool,
    target: float | None,
    note: str = "",
) -> BenchRow:
    """`cold start <label> / floor`: the function and its floor side by side."""
    env = ctx.env()
    floor = floor_probe(env["ACCOUNTS_TABLE"], with_stripe=with_stripe)
    function, base = side_by_side(ctx, [handler_probe(module, event, label), floor], env)
    return ratio_row(f"cold start {label} / {floor.label}", function, base, target, note)
