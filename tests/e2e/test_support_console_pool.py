"""The support console's unassigned pool in a real Chromium, against the real local stack:
assigning a pooled lead to the least loaded agent of its territory, and a reassignment that
completes in the background while support has an Assign form open (the console refreshes the pool
when one completes), which must not take the form away.

Screenshots (desktop and phone width) land in artifacts/browser/support/ (git-ignored)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from testing.browser import SUPPORT_CONSOLE, Artifacts, console, open_page, signed_in_url
from testing.support_console import open_cancellation, tag, upsert, wait_for_assign_form
from testing.waiting import wait_until

pytestmark = pytest.mark.browser

ARTIFACTS = Artifacts("support")
shots = ARTIFACTS.desktop_and_phone
PROCESSING_TICKETS = re.compile(r"/v1/support/tickets\?status=processing")


def test_support_assigns_a_pooled_lead_to_the_least_loaded_agent(
    stack, browser, support_token, support_api, new_agent
):
    # Given a pooled lead and three agents in its territory: one busy, one idle, one leaving
    territory = f"A{tag()}"
    busy_id, _ = new_agent([territory], name="Bo Busy")
    idle_id, _ = new_agent([territory], name="Ida Idle")
    _, leaving = new_agent([territory], name="Lee Leaving")
    open_cancellation(leaving)
    upsert(
        support_api,
        [
            {
                "lead_id": f"busy-{territory}-{n}",
                "territory": territory,
                "assigned_agent_id": busy_id,
            }
            for n in range(3)
        ]
        + [
            {
                "lead_id": f"pooled-{territory}",
                "territory": territory,
                "address": "12 Oak Ave, Austin",
                "score": 0.91,
            }
        ],
    )
    lead_id = f"pooled-{territory}"

    with console(browser, stack, support_token) as page:
        page.get_by_label("Territory (optional)").fill(territory)
        page.get_by_role("button", name="Show leads").click()
        page.locator("#pool-summary", has_text=f"in territory {territory}").wait_for()
        row = page.locator(f"#pool-rows tr[data-lead-id='{lead_id}']")
        assert "12 Oak Ave, Austin" in row.inner_text()
        row.get_by_role("button", name="Assign").click()

        # The active agents serving the territory are offered, least loaded first
        wait_for_assign_form(page)
        agent_choice = page.get_by_label(f"Agent for lead {lead_id}", exact=False)
        options = agent_choice.locator("option").all_inner_texts()
        assert options == [
            f"Ida Idle ({idle_id}) · 0 leads",
            f"Bo Busy ({busy_id}) · 3 leads",
        ]
        assert agent_choice.input_value() == idle_id
        shots(page, "07-assign-choose-agent")
        page.get_by_role("button", name="Assign lead", exact=True).click()

        page.locator("#pool-message.ok").wait_for()
        assert page.locator("#pool-message").inner_text() == f"Lead {lead_id} assigned to Ida Idle."
        assert row.count() == 0
        assert page.locator("#pool-summary").inner_text() == (
            f"No unassigned leads in territory {territory}."
        )
        shots(page, "08-assigned")
        assert page.problems == []

    leads = support_api.get(f"/v1/support/accounts/{idle_id}/leads").json()["leads"]
    assert [lead["lead_id"] for lead in leads] == [lead_id]
    assert support_api.get(f"/v1/support/accounts/{idle_id}").json()["lead_count"] == 1


def test_a_reassignment_completing_meanwhile_leaves_the_open_assign_form_alone(
    stack, browser, support_token, support_api, new_agent
):
    # Given a pooled lead with an agent to take it, and a ticket the console follows as
    # processing, whose next progress poll is held until the lead's Assign form is open
    territory = f"R{tag()}"
    taker_id, _ = new_agent([territory], name="Tia Taker")
    lead_id = f"pooled-{territory}"
    upsert(support_api, [{"lead_id": lead_id, "territory": territory, "address": "3 Elm St"}])
    _, leaving = new_agent([f"L{tag()}"], name="Lou Leaving")
    ticket_id = open_cancellation(leaving)
    approved = support_api.post(
        f"/v1/support/tickets/{ticket_id}/approve", json={"effective": "immediately"}
    )
    assert approved.status_code == 202, approved.text
    ticket = wait_until(
        lambda: (
            (found := support_api.get(f"/v1/support/tickets/{ticket_id}").json())["status"]
            == "completed"
            and found
        )
    )
    held: list[Any] = []

    def as_still_processing(route: Any) -> None:
        # The console loaded while the reassignment was still running.
        listing = route.fetch().json()
        listing["tickets"] = [{**ticket, "status": "processing"}, *listing["tickets"]]
        route.fulfill(json=listing)

    with open_page(browser) as page:
        page.route(PROCESSING_TICKETS, as_still_processing)
        page.route(f"**/v1/support/tickets/{ticket_id}", lambda route: held.append(route))
        page.goto(signed_in_url(stack, SUPPORT_CONSOLE, support_token))
        page.get_by_label("Territory (optional)").fill(territory)
        page.get_by_role("button", name="Show leads").click()
        page.locator("#pool-summary", has_text=f"in territory {territory}").wait_for()
        row = page.locator(f"#pool-rows tr[data-lead-id='{lead_id}']")
        row.get_by_role("button", name="Assign").click()
        wait_for_assign_form(page)
        deadline = time.monotonic() + 20
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # lets Playwright hand the held poll to the route
        assert held, "the console never polled the processing ticket"

        # When the poll answers that the reassignment completed
        held[0].continue_()
        page.locator(f"li.ticket[data-ticket-id='{ticket_id}']").get_by_text(
            "Completed: 0 leads reassigned"
        ).wait_for()

        # Then the open form stays, the list says it may be out of date, and assigning works
        page.locator("#pool-message", has_text="Leads have moved").wait_for()
        assert page.locator("#pool-rows tr.assign-row").count() == 1
        assert page.get_by_label(f"Agent for lead {lead_id}", exact=False).input_value() == taker_id
        page.get_by_role("button", name="Assign lead", exact=True).click()
        page.locator("#pool-message.ok").wait_for()
        assigned = page.locator("#pool-message").inner_text()
        assert assigned == f"Lead {lead_id} assigned to Tia Taker."
        assert page.problems == []
