"""The support console in a real Chromium, against the real local stack: approve a ticket and
watch its reassignment complete, reject one with a note, look an agent up by email and download
an invoice; a token without the support group sees a sentence and no
data; people's strings stay text; keyboard use; an axe-core audit. The pool's Assign journeys are
in test_support_console_pool.py.

Screenshots (desktop and phone width) land in artifacts/browser/support/ (git-ignored)."""

from __future__ import annotations

from typing import Any

import pytest

from testing.browser import (
    PHONE,
    SUPPORT_CONSOLE,
    Artifacts,
    console,
    fact,
    open_page,
    serious_violations,
    signed_in_url,
)
from testing.invoice_factory import BASE_TIME, save_invoice
from testing.support_console import (
    open_cancellation,
    show_more_tickets,
    tag,
    ticket_item,
    upsert,
    wait_for_assign_form,
)
from testing.waiting import wait_until

pytestmark = pytest.mark.browser

ARTIFACTS = Artifacts("support")
shots = ARTIFACTS.desktop_and_phone


# ------------------------------------------------------------------------------ journeys


def test_support_approves_a_ticket_and_watches_the_reassignment_complete(
    stack, browser, support_token, support_api, new_agent
):
    # Given an agent leaving with 30 leads: 22 in a territory another agent serves, 8 in one
    # nobody else serves
    t = tag()
    served, alone = f"X{t}", f"Z{t}"
    leaving_id, leaving = new_agent([served, alone], name="Dana Departing")
    taker_id, _ = new_agent([served], name="Ana Taker")
    upsert(
        support_api,
        [
            {
                "lead_id": f"jl-{t}-{n:02d}",
                "territory": served if n < 22 else alone,
                "assigned_agent_id": leaving_id,
                "address": f"{n} Elm St",
            }
            for n in range(30)
        ],
    )
    ticket_id = open_cancellation(leaving, comment="Moving to another brokerage.")

    with console(browser, stack, support_token) as page:
        # The queue shows the ticket with its agent, reason, comment and lead count
        item = ticket_item(page, ticket_id)
        assert "Dana Departing" in fact(item, "Agent")
        assert fact(item, "Reason") == "Switched to another service"
        assert fact(item, "Comment") == "Moving to another brokerage."
        assert fact(item, "Leads") == "30"
        assert item.locator(".badge").inner_text() == "Open"
        shots(page, "01-ticket-queue")

        # Approve asks for confirmation, immediately by default
        item.get_by_role("button", name="Approve").click()
        confirm = item.get_by_role("form", name=f"Approve ticket {ticket_id}")
        assert confirm.get_by_label("Immediately").is_checked()
        assert not confirm.get_by_label("At the end of the billing period").is_checked()
        shots(page, "02-approve-confirmation")
        confirm.get_by_role("button", name="Confirm approval").click()

        # The progress bar follows the reassignment until the ticket completes
        item.locator(".badge", has_text="Processing").or_(
            item.locator(".badge", has_text="Completed")
        ).wait_for()
        shots(page, "03-reassigning")
        item.locator(".badge", has_text="Completed").wait_for(timeout=90_000)
        progress = item.locator("progress")
        assert progress.evaluate("bar => [bar.value, bar.max]") == [30, 30]
        assert item.locator(".progress-label").inner_text() == (
            "Reassignment: 30 of 30 leads placed (22 to other agents, "
            "8 to the unassigned pool). Completed."
        )
        assert (
            "22 leads reassigned, 8 to the unassigned pool" in item.locator(".message").inner_text()
        )
        assert item.get_by_role("button", name="Approve").is_hidden()
        shots(page, "04-reassignment-completed")

        # The leads nobody serves are in the pool
        page.get_by_label("Territory (optional)").fill(alone)
        page.get_by_role("button", name="Show leads").click()
        summary = f"8 unassigned leads in territory {alone} shown."
        wait_until(lambda: page.locator("#pool-summary").inner_text() == summary, timeout=30)
        assert page.locator("#pool-rows tr[data-lead-id]").count() == 8
        assert page.problems == []

    # And the API agrees
    ticket = support_api.get(f"/v1/support/tickets/{ticket_id}").json()
    assert (ticket["status"], ticket["effective"]) == ("completed", "immediately")
    assert support_api.get(f"/v1/support/accounts/{taker_id}").json()["lead_count"] == 22
    assert support_api.get(f"/v1/support/accounts/{leaving_id}").json()["status"] == "cancelled"


def test_support_rejects_a_ticket_with_a_note(
    stack, browser, support_token, support_api, new_agent
):
    agent_id, agent = new_agent(name="Rita Rethinking")
    ticket_id = open_cancellation(agent, reason="too_expensive")

    with console(browser, stack, support_token) as page:
        item = ticket_item(page, ticket_id)
        item.get_by_role("button", name="Reject").click()
        note = item.get_by_label("Note for the agent")
        assert note.evaluate("field => field === document.activeElement")
        # An empty note is refused on the page, before any request
        item.get_by_role("button", name="Confirm rejection").click()
        assert "Write a note" in item.locator(".message").inner_text()
        note.fill("We can offer 20% off for a year; call us.")
        shots(page, "05-reject-with-note")
        item.get_by_role("button", name="Confirm rejection").click()
        item.locator(".badge", has_text="Rejected").wait_for()
        assert fact(item, "Note") == "We can offer 20% off for a year; call us."
        assert item.get_by_role("button", name="Reject").is_hidden()
        shots(page, "06-rejected")
        assert page.problems == []

    ticket = support_api.get(f"/v1/support/tickets/{ticket_id}").json()
    assert (ticket["status"], ticket["note"]) == (
        "rejected",
        "We can offer 20% off for a year; call us.",
    )
    assert support_api.get(f"/v1/support/accounts/{agent_id}").json()["status"] == "active"


def test_support_looks_an_agent_up_by_email_and_downloads_an_invoice(
    stack, browser, support_token, new_agent
):
    # Given an agent with a paid invoice and one whose payment failed
    email = f"Erin.{tag()}@Example.com"
    agent_id, _ = new_agent(["78701", "78702"], name="Erin Example", email=email)
    paid = save_invoice(agent_id, payment_status="paid", created=BASE_TIME, number=f"E-{tag()}")
    failed = save_invoice(
        agent_id,
        payment_status="failed",
        amount=12000,
        created=BASE_TIME.replace(month=2),
        number=f"E-{tag()}",
    )

    with console(browser, stack, support_token) as page:
        page.locator("#lookup").wait_for()
        lookup = page.get_by_label("Account id or email")
        lookup.fill(email.lower())
        lookup.press("Enter")

        detail = page.locator("#account-detail")
        detail.get_by_role("heading", name="Erin Example").wait_for()
        assert fact(detail, "Account id") == agent_id
        assert fact(detail, "Email") == email
        assert fact(detail, "Status") == "Active"
        assert fact(detail, "Card") == "No card on file"
        assert fact(detail, "Balance due") == "$120.00 (1 open invoice)"
        assert fact(detail, "Territories") == "78701, 78702"
        assert fact(detail, "Stripe sync").startswith("Current · last synced")
        assert detail.get_by_role("button", name="Resync").is_visible()
        rows = detail.locator("#account-invoice-rows tr")
        wait_until(lambda: rows.count() == 2, timeout=30)
        failed_row = detail.locator(f"tr[data-invoice-id='{failed.invoice_id}']")
        assert "Payment failed" in failed_row.inner_text()
        assert "Your card was declined." in failed_row.inner_text()
        shots(page, "09-account-by-email")

        paid_row = detail.locator(f"tr[data-invoice-id='{paid.invoice_id}']")
        download = paid_row.get_by_role("button", name="Download")
        filename, text = ARTIFACTS.downloaded_pdf(page, download)
        assert str(paid.number) in text
        assert filename == f"invoice-{paid.number}.pdf"

        # By id too; and an address nobody has says so
        lookup.fill(agent_id)
        lookup.press("Enter")
        wait_until(
            lambda: fact(detail, "Account id") == agent_id and detail.is_visible(), timeout=30
        )
        lookup.fill(f"nobody-{tag()}@example.com")
        lookup.press("Enter")
        page.locator("#lookup-message.error").wait_for()
        assert "No account has the email" in page.locator("#lookup-message").inner_text()
        assert detail.is_hidden()
        assert page.problems == []


def test_the_queue_loads_more_open_tickets_oldest_first(stack, browser, support_token, new_agent):
    ticket_ids = [open_cancellation(new_agent()[1]) for _ in range(21)]

    with console(browser, stack, support_token) as page:
        page.locator("#tickets").wait_for()
        more = page.locator("#tickets-more")
        assert more.is_visible()  # more than a page (20) of open tickets
        while more.is_visible():
            show_more_tickets(page)

        listed = page.locator("li.ticket").evaluate_all(
            "items => items.map(item => item.dataset.ticketId)"
        )
        assert len(listed) == len(set(listed)) > 20
        assert set(ticket_ids) <= set(listed)
        assert page.locator("#tickets-summary").inner_text().endswith("waiting for a decision.")
        assert page.problems == []


def test_a_token_without_the_support_group_sees_a_sentence_and_no_data(stack, browser, new_agent):
    agent_id, _ = new_agent()
    api_calls: list[str] = []
    with open_page(browser) as page:
        page.on(
            "request",
            lambda request: api_calls.append(request.url) if "/v1/" in request.url else None,
        )
        page.goto(signed_in_url(stack, SUPPORT_CONSOLE, stack.token(agent_id)))
        denied = page.locator("#denied")
        denied.wait_for()
        assert "for support staff" in denied.inner_text()
        assert "without the support group" in denied.inner_text()
        for section in ("#tickets", "#lookup", "#pool", "#operations", "#section-nav"):
            assert page.locator(section).is_hidden(), section
        assert page.locator("li.ticket, #pool-rows tr, #dead-letter-rows tr").count() == 0
        # One request was made (refused with 403); nothing else was asked for
        assert [url.split(stack.api_url)[1] for url in api_calls] == [
            "/v1/support/tickets?status=open&limit=20"
        ]
        shots(page, "10-not-support")


def test_without_a_token_the_console_asks_to_sign_in(stack, browser):
    with open_page(browser, f"{stack.api_url}{SUPPORT_CONSOLE}") as page:
        page.get_by_label("Access token").wait_for()
        assert page.locator("#tickets").is_hidden()


def test_peoples_strings_are_shown_as_text_never_as_html(
    stack, browser, support_token, support_api, new_agent
):
    hostile_name = '<img src=x onerror="window.pwned=1">Mallory'
    hostile_comment = "<script>window.pwned=2</script>\n<b>bold?</b>"
    hostile_address = '<svg onload="window.pwned=3"></svg> 1 Main St'
    territory = f"H{tag()}"
    _, agent = new_agent([territory], name=hostile_name)
    ticket_id = open_cancellation(agent, reason="other", comment=hostile_comment)
    lead_id = f"hostile-{territory}"
    upsert(support_api, [{"lead_id": lead_id, "territory": territory, "address": hostile_address}])

    with console(browser, stack, support_token) as page:
        item = ticket_item(page, ticket_id)
        page.get_by_label("Territory (optional)").fill(territory)
        page.get_by_role("button", name="Show leads").click()
        row = page.locator(f"#pool-rows tr[data-lead-id='{lead_id}']")
        row.wait_for()

        assert hostile_name in fact(item, "Agent")
        assert fact(item, "Comment") == hostile_comment
        assert hostile_address in row.inner_text()
        assert page.locator("main img, main script, main svg, main b").count() == 0
        assert page.evaluate("window.pwned") is None
        shots(page, "11-hostile-strings-as-text")
        assert page.problems == []


def test_the_console_is_keyboard_usable(stack, browser, support_token, support_api, new_agent):
    territory = f"K{tag()}"
    _, agent = new_agent([f"{territory}-home"], name="Kim Keyboard")
    taker_id, _ = new_agent([territory], name="Tao Taker")
    lead_id = f"kbd-{territory}"
    upsert(support_api, [{"lead_id": lead_id, "territory": territory}])
    ticket_id = open_cancellation(agent)

    with console(browser, stack, support_token) as page:
        page.locator("#tickets").wait_for()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        item = ticket_item(page, ticket_id)

        # Approve opens its confirmation on the default choice; Escape goes back
        item.get_by_role("button", name="Approve").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.value") == "immediately"
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.value") == "period_end"
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.textContent") == "Approve"
        assert item.get_by_role("form").first.is_hidden()

        # Reject with a note, by keyboard alone
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Reject"
        page.keyboard.press("Enter")
        page.keyboard.type("Talked it over; staying.")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Confirm rejection"
        page.keyboard.press("Enter")
        item.locator(".badge", has_text="Rejected").wait_for()

        # Assign a pooled lead by keyboard alone
        page.get_by_label("Territory (optional)").focus()
        page.keyboard.type(territory)
        page.keyboard.press("Enter")
        page.locator("#pool-summary", has_text=f"in territory {territory}").wait_for()
        row = page.locator(f"#pool-rows tr[data-lead-id='{lead_id}']")
        row.get_by_role("button", name="Assign").focus()
        page.keyboard.press("Enter")
        wait_for_assign_form(page)
        assert page.evaluate("document.activeElement.tagName") == "SELECT"
        assert page.evaluate("document.activeElement.value") == taker_id
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Assign lead"
        page.keyboard.press("Enter")
        page.locator("#pool-message.ok").wait_for()
        assert page.evaluate("document.activeElement.id") == "pool-territory"
        shots(page, "12-keyboard")
        assert page.problems == []

    assert support_api.get(f"/v1/support/tickets/{ticket_id}").json()["status"] == "rejected"
    assert support_api.get(f"/v1/support/accounts/{taker_id}").json()["lead_count"] == 1


# ------------------------------------------------------------------------------ axe-core


def test_axe_finds_no_serious_or_critical_violation(
    stack, browser, support_token, support_api, new_agent
):
    # A console with every part on screen: tickets open and decided, the pool with an open
    # Assign form, an account with invoices, the operations panel.
    territory = f"X{tag()}"
    agent_id, agent = new_agent([territory], name="Axel Audit", email=f"axel-{tag()}@example.com")
    new_agent([territory], name="Olga Other")
    save_invoice(agent_id, payment_status="failed")
    save_invoice(agent_id, payment_status="paid", created=BASE_TIME.replace(month=3))
    upsert(
        support_api, [{"lead_id": f"axe-{territory}", "territory": territory, "address": "9 Pine"}]
    )
    ticket_id = open_cancellation(agent, comment="Audit me.")

    # axe is injected as a script: the console's Content-Security-Policy would refuse it.
    with console(browser, stack, support_token, bypass_csp=True) as page:
        item = ticket_item(page, ticket_id)
        page.locator("#dead-letter-rows tr, #operations-message.error").first.wait_for()
        assert serious_violations(page) == []

        item.get_by_role("button", name="Approve").click()
        page.get_by_label("Account id or email").fill(agent_id)
        page.get_by_role("button", name="Look up").click()
        page.locator("#account-invoice-rows tr").nth(1).wait_for()
        page.get_by_label("Territory (optional)").fill(territory)
        page.get_by_role("button", name="Show leads").click()
        page.locator(f"#pool-rows tr[data-lead-id='axe-{territory}']").get_by_role(
            "button", name="Assign"
        ).click()
        page.locator("#pool-rows select").wait_for()
        assert serious_violations(page) == []

        page.set_viewport_size(PHONE)
        assert serious_violations(page) == []
        shots(page, "13-axe-audited")


def test_a_slow_earlier_lookup_never_replaces_the_latest_answer(
    stack, browser, support_token, new_agent
):
    # Given an agent looked up by id, whose answer is held until a second lookup has answered
    agent_id, _ = new_agent(name="Sam Slow")
    held: list[Any] = []
    with console(browser, stack, support_token) as page:
        page.route(f"**/v1/support/accounts/{agent_id}", lambda route: held.append(route))
        lookup = page.get_by_label("Account id or email")
        lookup.fill(agent_id)
        lookup.press("Enter")
        wait_until(lambda: held or page.wait_for_timeout(50))
        lookup.fill(f"nobody-{tag()}@example.com")
        lookup.press("Enter")
        page.locator("#lookup-message.error").wait_for()

        # When the first answer arrives at last
        held[0].continue_()
        page.wait_for_load_state("networkidle")

        # Then the page still answers the latest question
        assert page.locator("#lookup-message").inner_text().startswith("No account has the email")
        assert page.locator("#account-detail").is_hidden()
        assert page.problems == []
