"""The support console's Stripe-sync parts in a real Chromium, against the real local stack:
an account's sync state and Resync (a card changed in Stripe while its webhook was lost shows
up after the resync), and the operations panel (catch-up lag, dead letters, Redrive).

Screenshots (desktop and phone width) land in artifacts/browser/support/ (git-ignored)."""

from __future__ import annotations

import json
import uuid

import pytest

from local.resources import aws_client
from local.seed import attach_card, stripe_for
from testing.browser import Artifacts, console, fact
from testing.localstripe import customer_of, deliveries_lost
from testing.waiting import wait_until
from testing.webhook_events import stripe_event

pytestmark = pytest.mark.browser

ARTIFACTS = Artifacts("support")
shots = ARTIFACTS.desktop_and_phone
OTHER_GOOD_CARD = "5555555555554444"


def test_resync_brings_a_card_whose_webhook_was_lost(stack, browser, support_token, new_agent):
    # Given a card set in Stripe while its webhooks were lost: our read model has no card
    agent_id, agent = new_agent(name="Rae Resync")
    customer = customer_of(agent_id)
    with deliveries_lost(stack):
        attach_card(stripe_for(stack), customer, OTHER_GOOD_CARD)
    assert agent.get("/v1/account").json()["card"] is None

    with console(browser, stack, support_token) as page:
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
    stack, browser, support_token, support_api, new_agent
):
    # Given a catch-up that ran, and a valid Stripe event sitting in the dead letters
    assert support_api.post("/v1/support/stripe/catch-up").status_code == 200
    agent_id, agent = new_agent()
    customer = customer_of(agent_id)
    subscription_id = f"sub_console{uuid.uuid4().hex[:8]}"
    event = stripe_event(
        "customer.subscription.created",
        {"id": subscription_id, "object": "subscription", "customer": customer, "status": "active"},
    )
    aws_client("sqs", stack.aws_url).send_message(
        QueueUrl=str(stack.resources.physical["StripeEventsDeadLetterQueue"]),
        MessageBody=json.dumps(event),
    )

    with console(browser, stack, support_token) as page:
        # The panel shows the catch-up and every dead-letter queue with its count
        catch_up = page.locator("#catch-up")
        catch_up.locator("[data-fact='Lag']").wait_for()
        assert fact(catch_up, "Last run") != "Never"
        assert fact(catch_up, "Checkpoint") != "None yet"
        assert fact(catch_up, "Lag") != "Unknown"
        rows = page.locator("#dead-letter-rows tr")
        wait_until(lambda: rows.count() == 4, timeout=60)
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
    wait_until(
        lambda: agent.get("/v1/account").json()["subscription_status"] == "active", timeout=60
    )
