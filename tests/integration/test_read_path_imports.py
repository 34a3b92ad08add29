"""Read-only functions answer without loading pydantic: its import alone is about a third of a
function's cold-start floor (see `make bench`). Each probe runs in a fresh process against the
local stack, makes real requests and reports which of the watched packages got loaded."""

from __future__ import annotations

import pytest

from shared.billing.invoices.rendering import render_and_store
from shared.runtime import cached_settings
from testing.invoice_factory import save_invoice
from testing.probe import handlers_probe


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

    result = handlers_probe(stack, module, account_id, invoice.invoice_id, *sample_events)

    assert result == {"statuses": [200] * len(sample_events), "loaded": expected_loaded}
