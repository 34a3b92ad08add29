"""The Account and Billing page in a real Chromium, against the real local stack (demo seed).

Screenshots of every step land in artifacts/browser/ (git-ignored) for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from local.seed import DEMO_AGENT, seed_demo
from shared.data.tables.invoices import InvoiceModel
from testing.browser import Artifacts, fill_card, signed_in_url
from testing.waiting import eventually

pytestmark = pytest.mark.browser

ARTIFACTS = Artifacts()
shot = ARTIFACTS.shot


@pytest.fixture(scope="module")
def demo(stack) -> dict[str, Any]:
    result = seed_demo(stack, lead_count=60)
    # The demo's invoices reach DynamoDB through localstripe's webhooks.
    invoices = eventually(
        lambda: (lambda found: found if len(found) >= 2 else None)(
            list(InvoiceModel.query(DEMO_AGENT))
        )
    )
    failed = [inv for inv in invoices if inv.payment_status == "failed"]
    assert failed, [inv.payment_status for inv in invoices]
    return {"token": result.agent_token, "failed_invoice": failed[0]}


def invoice_row(page, invoice_id: str):
    return page.locator(f"tr[data-invoice-id='{invoice_id}']")


def test_agent_updates_card_pays_downloads_and_cancels(stack, demo, page):
    failed_invoice = demo["failed_invoice"]
    page.goto(signed_in_url(stack, "/", demo["token"]))

    # Sees the failed invoice with the bank's reason.
    row = invoice_row(page, failed_invoice.invoice_id)
    row.get_by_text("Payment failed").wait_for()
    assert "declined" in row.inner_text().lower()
    card_before = page.locator("#card-summary").inner_text()
    assert "0341" in card_before
    shot(page, "01-failed-invoice")

    # A card the bank refuses: the bank's message, nothing changes.
    page.get_by_role("button", name="Update Credit Card").click()
    page.locator("#card-element input[placeholder=number]").wait_for()
    fill_card(page, "4000000000000002")
    page.get_by_role("button", name="Submit Payment").click()
    page.locator("#card-message.error").wait_for()
    assert "declined" in page.locator("#card-message").inner_text().lower()
    assert page.locator("#card-summary").inner_text() == card_before
    assert "Payment failed" in row.inner_text()
    shot(page, "02-declined-card")

    # A good card: success message, the invoice turns Paid.
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Submit Payment").click()
    page.locator("#card-message.ok").wait_for()
    assert page.locator("#card-message").inner_text() == "Card updated. 1 invoice paid."
    row.get_by_text("Paid", exact=True).wait_for()
    assert "4242" in page.locator("#card-summary").inner_text()
    shot(page, "03-card-updated-invoice-paid")

    # Download that invoice: a real PDF with its number in it.
    _, text = ARTIFACTS.downloaded_pdf(page, row.get_by_role("button", name="Download"))
    stored = InvoiceModel.by_invoice_id.query(failed_invoice.invoice_id).next()
    assert (stored.number or stored.invoice_id) in text
    assert "PAID" in text
    shot(page, "04-downloaded")

    # Open a cancellation ticket, see it open, withdraw it.
    page.get_by_label("Reason").select_option("too_expensive")
    page.get_by_label("Comment (optional)").fill("Budget cuts this quarter.")
    page.get_by_label("I understand I will lose access").check()
    page.get_by_role("button", name="Request cancellation").click()
    page.locator("#ticket-view").wait_for()
    assert page.locator("#ticket-status").inner_text() == "open"
    shot(page, "05-ticket-open")
    page.get_by_role("button", name="Withdraw request").click()
    page.get_by_text("Your cancellation request was withdrawn.").wait_for()
    assert page.locator("#cancel-form").is_visible()
    shot(page, "06-ticket-withdrawn")

    # Usable on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "07-phone")
    # The only console error is the browser noting Stripe's own 402 for the refused card.
    stripe_refusal = f"(Payment Required) @ {stack.stripe_url}/v1/setup_intents/"
    unexpected = [p for p in page.problems if stripe_refusal not in p]
    assert unexpected == []


def test_page_without_token_asks_to_sign_in(stack, page):
    page.goto(f"{stack.api_url}/")
    page.get_by_label("Access token").wait_for()
    assert page.locator("#billing").is_hidden()
    assert page.problems == []


def test_page_is_keyboard_usable(stack, demo, page):
    page.goto(signed_in_url(stack, "/", demo["token"]))
    page.locator("#invoice-rows tr").first.wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "update-card"
    page.keyboard.press("Enter")
    page.locator("#card-element input[placeholder=number]").wait_for()
    assert page.locator("#update-card").get_attribute("aria-expanded") == "true"
