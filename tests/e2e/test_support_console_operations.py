"""The support console's Stripe-sync parts in a real Chromium, against the real local stack:
an account's sync state and Resync (a card changed in Stripe while its webhook was lost shows
up after the resync), and the operations panel (catch-up lag, dead letters, Redrive).

Screenshots (desktop and phone width) land in artifacts/browser/support/ (git-ignored)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from local.cfn import ROOT
from local.resources import aws_client
from local.seed import attach_card, stripe_for
from shared.data.models import AccountModel
from testing.webhook_events import stripe_event

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts" / "browser" / "support"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
OTHER_GOOD_CARD = "5555555555554444"
DEAD_URL = "http://127.0.0.1:9/"


def wait_until(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextmanager
def console(browser, stack) -> Iterator[Any]:
    token = stack.token("support-operations", groups=["support"])
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    page.goto(f"{stack.api_url}/support?token={token}")
    try:
        yield page
    finally:
        context.close()


def shots(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def fact(scope, term: str) -> str:
    return str(scope.locator(f"[data-fact='{term}'] dd").inner_text())


@contextmanager
def deliveries_lost(stack) -> Iterator[None]:
    """localstripe's webhook pointed at a dead URL while Stripe changes (LOCALSTRIPE.md)."""
    secret = stack.config.webhook_secrets.split(",")[0].strip()
    url = f"{stack.stripe_url}/_config/webhooks/account-billing"
    requests.post(url, data={"url": DEAD_URL, "secret": secret}, timeout=5).raise_for_status()
    try:
        yield
        time.sleep(2.5)  # localstripe delivers about a second after each change
    finally:
        stack.register_webhook()


def test_resync_brings_a_card_whose_webhook_was_lost(stack, browser, new_agent):
    # Given a card set in Stripe while its webhooks were lost: our read model has no card
    agent_id, agent = new_agent(name="Rae Resync")
    customer = str(AccountModel.get(agent_id).stripe_customer_id)
    with deliveries_lost(stack):
        attach_card(stripe_for(stack), customer, OTHER_GOOD_CARD)
    assert agent.get("/v1/account").json()["card"] is None

    with console(browser, stack) as page:
        page.get_by_label("Account id or email").fill(agent_id)
        page.get_by_role("button", name="Look up").click()
        detail = page.locator("#account-detail")
        detail.get_by_role("heading", name="Rae Resync").wait_for()
        assert fact(detail, "Card") == "No card on file"
        assert fact(detail, "Stripe sync").startswith("Current")
        shots(page, "20-before-resync")

        # When support resyncs the account
        page.get_by_role("button", name="Resync").click()
        page.locator("#resync-message.ok").wait_for(timeout=60_000)

        # Then the sync state went through importing back to current, with Stripe's card
        assert page.locator("#resync-message").inner_text() == "Resync finished: Current."
        assert fact(detail, "Stripe sync").startswith("Current · last synced")
        # (localstripe names every card's brand "visa")
        assert fact(detail, "Card").endswith("ending in 4444, expires 12/2030")
        shots(page, "21-after-resync")
        assert page.problems == []
    assert agent.get("/v1/account").json()["card"]["last4"] == "4444"


def test_operations_show_the_lag_and_redrive_a_dead_lettered_event(
    stack, browser, support_api, new_agent
):
    # Given a catch-up that ran, and a valid Stripe event sitting in the dead letters
    assert support_api.post("/v1/support/stripe/catch-up").status_code == 200
    agent_id, agent = new_agent()
    customer = str(AccountModel.get(agent_id).stripe_customer_id)
    subscription_id = f"sub_console{uuid.uuid4().hex[:8]}"
    event = stripe_event(
        "customer.subscription.created",
        {"id": subscription_id, "object": "subscription", "customer": customer, "status": "active"},
    )
    aws_client("sqs", stack.aws_url).send_message(
        QueueUrl=str(stack.resources.physical["StripeEventsDeadLetterQueue"]),
        MessageBody=json.dumps(event),
    )

    with console(browser, stack) as page:
        # The panel shows the catch-up and every dead-letter queue with its count
        catch_up = page.locator("#catch-up")
        catch_up.locator("[data-fact='Lag']").wait_for()
        assert fact(catch_up, "Last run") != "Never"
        assert fact(catch_up, "Checkpoint") != "None yet"
        assert fact(catch_up, "Lag") != "Unknown"
        rows = page.locator("#dead-letter-rows tr")
        wait_until(lambda: rows.count() == 4)
        queues = [row.get_attribute("data-queue") for row in rows.all()]
        assert queues == ["reassignment", "render", "stripe-events", "stripe-import"]
        row = page.locator("#dead-letter-rows tr[data-queue='stripe-events']")
        waiting = int(row.locator("td").nth(1).inner_text())
        assert waiting >= 1
        shots(page, "22-operations-dead-letters")

        # When support redrives that queue
        row.get_by_role("button", name="Redrive").click()
        page.locator("#operations-message.ok").wait_for()

        # Then its messages went back to their queue and the event is applied
        message = "message" if waiting == 1 else "messages"
        assert page.locator("#operations-message").inner_text() == (
            f"Moved {waiting} {message} from the stripe-events dead letters back to their queue."
        )
        shots(page, "23-operations-redriven")
        assert page.problems == []
    wait_until(lambda: agent.get("/v1/account").json()["subscription_status"] == "active")
