"""Paying invoices from the billing page in a real Chromium, against the real local stack:
Pay now after a decline, Complete payment through localstripe's 3-D Secure modal (its fake
Stripe.js: "Complete authentication" / "Fail authentication"), Submit Payment with a card whose
bank asks for 3-D Secure on every payment, keyboard use, and an axe-core audit.

Screenshots of every step land in artifacts/browser/payments/ (git-ignored)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import stripe

from local.seed import attach_card, monthly_plan, subscribe
from shared.data.tables.invoices import InvoiceModel
from testing.browser import (
    PHONE,
    Artifacts,
    fill_card,
    open_page,
    serious_violations,
    signed_in_url,
)
from testing.localstripe import customer_of
from testing.waiting import wait_until

pytestmark = pytest.mark.browser

ARTIFACTS = Artifacts("payments")
shot = ARTIFACTS.shot

GOOD_CARD = "4242424242424242"
DECLINES_ON_CHARGE = "4000000000000341"
ALWAYS_AUTHENTICATE = "4000002760003184"
AUTHENTICATE_3155 = "4000002500003155"
COMPLETE = "Complete authentication"
FAIL = "Fail authentication"


def unexpected_problems(page) -> list[str]:
    """Console errors other than the browser noting a 402 (a decline answered as the contract
    says, by Stripe or by our pay route)."""
    return [p for p in page.problems if "(Payment Required)" not in p]


def stored_status(invoice_id: str) -> str | None:
    for invoice in InvoiceModel.by_invoice_id.query(invoice_id):
        return str(invoice.payment_status)
    return None


def agent_with_open_invoice(
    new_agent, client: stripe.StripeClient, card: str, expected_status: str
) -> tuple[str, str, str]:
    """(account id, agent token, invoice id) of an agent whose first invoice is open: its
    payment with `card` failed or waits for 3-D Secure. Waits until the webhook brought it in."""
    account_id, agent = new_agent(name="Page Payer")
    customer = customer_of(account_id)
    attach_card(client, customer, card)
    subscription = subscribe(client, customer, monthly_plan(client, "Pro", 29900))
    invoice_id = str(subscription.latest_invoice)
    wait_until(lambda: stored_status(invoice_id) == expected_status)
    return account_id, agent.token, invoice_id


def succeeded_charges(client: stripe.StripeClient, account_id: str) -> int:
    charges = client.v1.charges.list(params={"customer": customer_of(account_id)})
    return sum(1 for charge in charges.data if charge.status == "succeeded")


def open_invoices(stack, page, token: str, invoice_id: str) -> Any:
    page.goto(signed_in_url(stack, "/", token))
    row = page.locator(f"tr[data-invoice-id='{invoice_id}']")
    row.wait_for()
    return row


def answer_modal(page, choice: str, name: str | None = None) -> None:
    """localstripe's 3-D Secure modal (its fake Stripe.js), as the agent would answer it."""
    button = page.get_by_role("button", name=choice, exact=True)
    button.wait_for()
    if name:
        shot(page, name)
    button.click()


def pay_buttons_disabled(page) -> bool:
    return bool(
        page.evaluate(
            "[...document.querySelectorAll('button.pay-invoice, #submit-payment')]"
            ".every((b) => b.disabled)"
        )
    )


# ---------------------------------------------------------------- Pay now


def test_pay_now_after_a_decline_then_after_the_bank_lifts_the_block(
    stack, new_agent, stripe_client, page
):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE, "failed"
    )
    row = open_invoices(stack, page, token, invoice_id)
    assert "Payment failed" in row.inner_text()
    pay_now = row.get_by_role("button", name="Pay now")
    shot(page, "01-failed-invoice-pay-now")

    # The card still declines: the bank's message, the invoice stays failed.
    pay_now.click()
    page.locator("#invoice-message.error").wait_for()
    assert "Your card was declined." in page.locator("#invoice-message").inner_text()
    assert "Payment failed" in row.inner_text()
    shot(page, "02-pay-now-declined")

    # The bank lifted the block: Pay now pays it, the row turns Paid, nothing more to click.
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    row.get_by_role("button", name="Pay now").click()
    page.locator("#invoice-message.ok").wait_for()
    assert (
        page.locator("#invoice-message").inner_text() == f"Invoice {invoice_id} is paid. Thank you."
    )
    row.get_by_text("Paid", exact=True).wait_for()
    assert row.get_by_role("button", name="Pay now").count() == 0
    assert succeeded_charges(stripe_client, account_id) == 1
    shot(page, "03-pay-now-paid")
    assert unexpected_problems(page) == []


def test_a_double_click_on_pay_now_charges_once(stack, new_agent, stripe_client, page):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE, "failed"
    )
    attach_card(stripe_client, customer_of(account_id), GOOD_CARD)
    row = open_invoices(stack, page, token, invoice_id)

    row.get_by_role("button", name="Pay now").dblclick()

    row.get_by_text("Paid", exact=True).wait_for()
    time.sleep(1)  # a second request, had one left, would have landed by now
    assert succeeded_charges(stripe_client, account_id) == 1
    assert unexpected_problems(page) == []


# ---------------------------------------------------------------- Complete payment (3-D Secure)


@pytest.mark.parametrize("card", [AUTHENTICATE_3155, ALWAYS_AUTHENTICATE])
def test_complete_payment_through_3d_secure(stack, new_agent, stripe_client, page, card):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, card, "action_required"
    )
    row = open_invoices(stack, page, token, invoice_id)
    assert "Needs authentication" in row.inner_text()
    shot(page, f"10-{card[-4:]}-needs-authentication")

    row.get_by_role("button", name="Complete payment").click()
    # While the bank's window is open, nothing else can start a payment.
    page.get_by_role("button", name=COMPLETE, exact=True).wait_for()
    assert pay_buttons_disabled(page)
    answer_modal(page, COMPLETE, f"11-{card[-4:]}-3ds-modal")

    page.locator("#invoice-message.ok").wait_for()
    row.get_by_text("Paid", exact=True).wait_for()
    assert stored_status(invoice_id) == "paid"
    assert succeeded_charges(stripe_client, account_id) == 1
    shot(page, f"12-{card[-4:]}-paid")
    assert unexpected_problems(page) == []


def test_failed_authentication_is_said_plainly_and_the_invoice_can_be_paid_again(
    stack, new_agent, stripe_client, page
):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, ALWAYS_AUTHENTICATE, "action_required"
    )
    row = open_invoices(stack, page, token, invoice_id)

    row.get_by_role("button", name="Complete payment").click()
    answer_modal(page, FAIL)

    message = page.locator("#invoice-message.error")
    message.wait_for()
    text = message.inner_text()
    assert "was not confirmed with your bank" in text
    assert "still unpaid" in text
    assert "declined" not in text.lower()
    assert succeeded_charges(stripe_client, account_id) == 0
    shot(page, "20-3ds-failed")

    # Still payable: the row offers to pay again, and this time the agent confirms.
    row.locator("button.pay-invoice").click()
    answer_modal(page, COMPLETE)
    row.get_by_text("Paid", exact=True).wait_for()
    assert succeeded_charges(stripe_client, account_id) == 1
    shot(page, "21-3ds-retried-paid")
    assert unexpected_problems(page) == []


# ---------------------------------------------------------------- Submit Payment with an SCA card


@pytest.mark.parametrize(
    ("card", "invoice_choice", "expected"),
    [
        (ALWAYS_AUTHENTICATE, COMPLETE, "Card updated. 1 invoice paid."),
        (AUTHENTICATE_3155, COMPLETE, "Card updated. 1 invoice paid."),
        (ALWAYS_AUTHENTICATE, FAIL, "not confirmed with your bank"),
    ],
)
def test_submit_payment_with_an_sca_card_completes_the_invoice_before_reporting(
    stack, new_agent, stripe_client, page, card, invoice_choice, expected
):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE, "failed"
    )
    row = open_invoices(stack, page, token, invoice_id)
    page.get_by_role("button", name="Update Credit Card").click()
    page.locator("#card-element input[placeholder=number]").wait_for()
    fill_card(page, card)
    page.get_by_role("button", name="Submit Payment").click()

    tag = f"{card[-4:]}-{'complete' if invoice_choice == COMPLETE else 'fail'}"
    answer_modal(page, COMPLETE, f"30-{tag}-card-setup-3ds")  # the bank confirms the card
    answer_modal(page, invoice_choice, f"31-{tag}-invoice-3ds")  # ...and then the payment

    message = page.locator("#card-message.ok, #card-message.error")
    message.wait_for()
    assert expected in message.inner_text()
    assert "declined" not in message.inner_text().lower()
    assert card[-4:] in page.locator("#card-summary").inner_text()
    if invoice_choice == COMPLETE:
        row.get_by_text("Paid", exact=True).wait_for()
        assert succeeded_charges(stripe_client, account_id) == 1
    else:
        assert "still unpaid" in message.inner_text()
        # The invoice list reloads after the report: the row comes back still payable.
        row.locator("button.pay-invoice").wait_for()
        assert row.locator("button.pay-invoice").count() == 1
        assert succeeded_charges(stripe_client, account_id) == 0
    shot(page, f"32-{tag}-reported")
    assert unexpected_problems(page) == []


# ---------------------------------------------------------------- keyboard and accessibility


def test_complete_payment_by_keyboard_alone(stack, new_agent, stripe_client, page):
    account_id, token, invoice_id = agent_with_open_invoice(
        new_agent, stripe_client, ALWAYS_AUTHENTICATE, "action_required"
    )
    open_invoices(stack, page, token, invoice_id)
    target = f"Complete payment: invoice {invoice_id}"

    # Tab reaches the button; Enter starts the payment; the bank's window takes the focus,
    # Enter confirms; the focus then rests on the outcome, read out by the live region.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
    else:
        raise AssertionError("Tab never reached Complete payment")
    page.keyboard.press("Enter")
    page.get_by_role("button", name=COMPLETE, exact=True).wait_for()
    assert page.evaluate("document.activeElement.textContent") == COMPLETE
    page.keyboard.press("Enter")

    page.locator("#invoice-message.ok").wait_for()
    assert page.evaluate("document.activeElement.id") == "invoice-message"
    assert stored_status(invoice_id) == "paid"
    assert succeeded_charges(stripe_client, account_id) == 1
    shot(page, "40-keyboard-paid")


def test_axe_finds_no_serious_or_critical_violation(stack, new_agent, stripe_client, browser):
    # A page with every kind of row: failed (Pay now), waiting for 3-D Secure (Complete
    # payment), paid.
    account_id, token, failed_id = agent_with_open_invoice(
        new_agent, stripe_client, DECLINES_ON_CHARGE, "failed"
    )
    customer = customer_of(account_id)
    attach_card(stripe_client, customer, GOOD_CARD)
    subscribe(stripe_client, customer, monthly_plan(stripe_client, "Paid add-on", 4900))
    attach_card(stripe_client, customer, ALWAYS_AUTHENTICATE)
    action = subscribe(stripe_client, customer, monthly_plan(stripe_client, "3DS add-on", 9900))
    wait_until(lambda: stored_status(str(action.latest_invoice)) == "action_required")
    # axe is injected as a script: the page's Content-Security-Policy would refuse it.
    with open_page(browser, bypass_csp=True) as page:
        open_invoices(stack, page, token, failed_id)
        page.locator("button.pay-invoice").nth(1).wait_for()
        assert serious_violations(page) == []

        # A payment's outcome on screen (the agent declined the bank's check), then the card
        # form open (locally with localstripe's stand-in card field; in production Stripe's
        # iframe).
        page.get_by_role("button", name="Pay now").click()
        answer_modal(page, FAIL)
        page.locator("#invoice-message.error").wait_for()
        page.get_by_role("button", name="Update Credit Card").click()
        page.locator("#card-element input[placeholder=number]").wait_for()
        assert serious_violations(page) == []

        # And on a phone.
        page.set_viewport_size(PHONE)
        assert serious_violations(page) == []
        shot(page, "50-axe-audited-phone")
