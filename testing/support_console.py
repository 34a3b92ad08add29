"""The support console's shared steps for the browser journeys in tests/e2e: a fresh tag for
territories, an agent's cancellation ticket, leads upserted, a ticket found in the queue (loading
more until it shows) and the Assign form awaited with what the console said if it never opens."""

from __future__ import annotations

import uuid
from typing import Any

from testing.api_client import Api

OPEN_TICKET = "/v1/account/cancellation-tickets"


def tag() -> str:
    return uuid.uuid4().hex[:6]


def ticket_item(page: Any, ticket_id: str) -> Any:
    """The ticket's entry in the queue, loading more open tickets until it shows (the session's
    other tests leave open tickets, oldest first)."""
    page.locator("#tickets").wait_for()
    item = page.locator(f"li.ticket[data-ticket-id='{ticket_id}']")
    while item.count() == 0 and page.locator("#tickets-more").is_visible():
        show_more_tickets(page)
    item.wait_for()
    return item


def show_more_tickets(page: Any) -> None:
    """Clicks "Load more open tickets" and waits for them (or for the button to hide: none
    left)."""
    shown = page.locator("li.ticket").count()
    page.locator("#tickets-more").click()
    page.wait_for_function(
        "shown => document.querySelectorAll('li.ticket').length > shown"
        " || document.getElementById('tickets-more').hidden",
        arg=shown,
    )


def open_cancellation(agent: Api, **body: Any) -> str:
    response = agent.post(
        OPEN_TICKET, json={"reason": "switched_service", "acknowledge_consequences": True, **body}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_for_assign_form(page: Any) -> None:
    """Waits for the Assign form's agent list, failing with what the console said instead (an
    error, or no agent serving the territory) rather than a bare timeout."""
    try:
        page.locator("#pool-rows tr.assign-row").or_(page.locator("#pool-message.error")).wait_for()
    except Exception as error:
        raise AssertionError(
            "no Assign form: "
            + page.evaluate(
                "JSON.stringify({message: document.getElementById('pool-message').outerHTML,"
                " rows: document.getElementById('pool-rows').innerHTML,"
                " focus: document.activeElement.outerHTML.slice(0, 200)})"
            )
            + f" problems: {page.problems}"
        ) from error
    said = page.locator("#pool-message").inner_text()
    assert page.locator("#pool-rows select").count() == 1, (
        said or page.locator("#pool-rows tr.assign-row").inner_text(),
        page.problems,
    )


def upsert(support_api: Api, leads: list[dict[str, Any]]) -> None:
    response = support_api.post("/v1/support/leads", json={"leads": leads})
    assert response.status_code == 200, response.text
