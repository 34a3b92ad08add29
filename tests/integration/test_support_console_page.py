"""The support console's page function through the local gateway (headers, assets), and what
the console's reads cost a fresh process: neither the page nor the support API's new reads load
pydantic."""

from __future__ import annotations

import pytest
import requests

from local.cfn import ROOT
from testing.invoice_factory import save_invoice
from testing.probe import handlers_probe

SCRIPTS = ("console.js", "common.js", "tickets.js", "accounts.js", "pool.js", "operations.js")


def test_the_console_is_served_with_a_strict_content_security_policy(stack):
    response = requests.get(f"{stack.api_url}/support", timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "stripe" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    assert "{{" not in page
    assert '<script type="module" src="/support/assets/console.js">' in page
    assert "<script>" not in page
    assert "style=" not in page


@pytest.mark.parametrize("asset", [*SCRIPTS, "console.css"])
def test_every_asset_is_served_with_its_type(stack, asset):
    response = requests.get(f"{stack.api_url}/support/assets/{asset}", timeout=30)

    assert response.status_code == 200
    expected = "text/css" if asset.endswith(".css") else "text/javascript"
    assert response.headers["Content-Type"].startswith(expected)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_asset_is_404(stack):
    response = requests.get(f"{stack.api_url}/support/assets/index.html", timeout=30)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_scripts_never_write_html():
    # Every value reaches the page as text: no HTML parsing sinks anywhere in the console.
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
    static = ROOT / "functions" / "support_console" / "static"
    for script in SCRIPTS:
        source = (static / script).read_text()
        assert not [sink for sink in sinks if sink in source], script


@pytest.mark.parametrize(
    ("module", "sample_events", "expected_loaded"),
    [
        ("functions.support_console.app", ["support_console/page", "support_console/asset"], []),
        (
            "functions.support.app",
            [
                "support/get_account",
                "support/list_account_invoices",
                "support/list_unassigned_pool",
                "support/list_agents_serving",
            ],
            ["stripe"],  # the support function calls Stripe (provisioning, approval)
        ),
        ("functions.invoice_download.app", ["invoice_download/support_download"], []),
    ],
)
def test_console_reads_answer_without_pydantic(
    stack, new_agent, module, sample_events, expected_loaded
):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid")

    result = handlers_probe(stack, module, account_id, invoice.invoice_id, *sample_events)

    assert result == {"statuses": [200] * len(sample_events), "loaded": expected_loaded}
