"""Fresh-process probes: a test runs a function in a new interpreter, against the local stack,
and inspects what it loaded.

The probes run with the repository root as their working directory and on PYTHONPATH, so the
preamble imports the one fake Lambda context (which loads nothing but the standard library; the
scripts call it `Context`) and reads the committed samples in events/ with an account's and an
invoice's ids in place of the demo's (`sample_event`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from local.cfn import ROOT

if TYPE_CHECKING:
    from local.stack import LocalStack

PROBE_PREAMBLE = """
import json, sys
from testing.lambda_context import LambdaContext as Context

def sample_event(name, account_id, invoice_id):
    with open(f"events/{name}.json") as source:
        text = source.read().replace("agent-demo", account_id)
    return json.loads(text.replace("in_1DemoInvoice0001", invoice_id))
"""

# One function's handler answers each sample event; then which watched packages it loaded.
HANDLERS_PROBE = (
    PROBE_PREAMBLE
    + """
module_name, account_id, invoice_id, *sample_events = sys.argv[1:]
import importlib
function = importlib.import_module(module_name)
statuses = []
for name in sample_events:
    event = sample_event(name, account_id, invoice_id)
    statuses.append(function.lambda_handler(event, Context())["statusCode"])
watched = ("pydantic", "pydantic_core", "fpdf", "stripe")
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(watched))
print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""
)


def run_probe(stack: LocalStack, script: str, *args: str) -> Any:
    """Runs `script` in a fresh interpreter with the stack's environment; returns the JSON it
    printed last."""
    env = {**os.environ, **stack.environment, "PYTHONPATH": str(ROOT)}
    output = subprocess.run(  # noqa: S603 (our own script, in our own interpreter)
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def handlers_probe(
    stack: LocalStack, module: str, account_id: str, invoice_id: str, *sample_events: str
) -> dict[str, list[object]]:
    """`module`'s handler, in a fresh process, answering each sample event for the account and
    invoice: {"statuses": [...], "loaded": [watched packages it loaded]}."""
    return dict(run_probe(stack, HANDLERS_PROBE, module, account_id, invoice_id, *sample_events))
