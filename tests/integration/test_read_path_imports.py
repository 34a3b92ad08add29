"""Read-only functions answer without loading pydantic: its import alone is about a third of a
function's cold-start floor (see `make bench`). Each probe runs in a fresh process against the
local stack, makes real requests and reports which of the watched packages got loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from local.cfn import ROOT
from shared.billing.invoices.rendering import render_and_store
from shared.runtime import cached_settings
from testing.invoice_factory import save_invoice
from testing.probe import PROBE_PREAMBLE

PROBE = (
    PROBE_PREAMBLE
    + """

module_name, account_id, invoice_id, *sample_events = sys.argv[1:]
import importlib
function = importlib.import_module(module_name)
statuses = []
for name in sample_events:
    with open(f"events/{name}.json") as source:
        text = source.read().replace("agent-demo", account_id)
        event = json.loads(text.replace("in_1DemoInvoice0001", invoice_id))
    statuses.append(function.lambda_handler(event, Context())["statusCode"])
watched = ("pydantic", "pydantic_core", "fpdf", "stripe")
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(watched))
print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""
)


def probe(
    stack, module: str, account_id: str, invoice_id: str, *sample_events: str
) -> dict[str, list[object]]:
    env = {**os.environ, **stack.environment, "PYTHONPATH": str(ROOT)}
    output = subprocess.run(
        [sys.executable, "-c", PROBE, module, account_id, invoice_id, *sample_events],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("module", "sample_events", "expected_loaded"),
    [
        ("functions.account.app", ["account/get_account", "account/health"], []),
        ("functions.billing_page.app", ["billing_page/page", "billing_page/asset"], []),
        ("functions.invoice_download.app", ["invoice_download/download"], []),
        # The listing's query is checked against its JSON Schema, not by pydantic.
        (
            "functions.invoice_listing.app",
            ["invoice_listing/list", "invoice_listing/list_failed", "invoice_listing/get"],
            [],
        ),
        # Opening a ticket validates its body; listing them does not.
        ("functions.cancellation_tickets.app", ["cancellation_tickets/list_tickets"], []),
        # Functions that call Stripe load its SDK, and still no pydantic for their reads.
        ("functions.card_update.app", ["card_update/get_card"], ["stripe"]),
        ("functions.support.app", ["support/list_open_tickets"], ["stripe"]),
    ],
)
def test_read_functions_answer_without_pydantic(
    stack, new_agent, module, sample_events, expected_loaded
):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid")
    render_and_store(cached_settings(), invoice)  # current: the download only presigns

    result = probe(stack, module, account_id, invoice.invoice_id, *sample_events)

    assert result == {"statuses": [200] * len(sample_events), "loaded": expected_loaded}
