"""Catch-up, resync and redrive against the running stack (API.md, "Keeping in step with
Stripe"): whatever deliveries were lost, the read model ends equal to Stripe."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.resources import aws_client
from local.seed import attach_card, monthly_plan, subscribe
from testing.api_client import Api
from testing.localstripe import customer_of, deliveries_lost
from testing.waiting import eventually, finished_record
from testing.webhook_events import stripe_event

GOOD_CARD = "4242424242424242"
OTHER_GOOD_CARD = "5555555555554444"
DECLINES_ON_CHARGE = "4000000000000341"


def catch_up_past(support_api: Api, moment: float) -> dict[str, Any]:
    """Runs the catch-up until its checkpoint passes `moment` (a run is bounded in time and
    resumes where it stopped; the first run of a session replays every test's events)."""

    def run() -> dict[str, Any] | None:
        response = support_api.post("/v1/support/stripe/catch-up")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        passed = time.strptime(body["checkpoint"], "%Y-%m-%dT%H:%M:%SZ")
        return body if time.mktime(passed) - time.timezone >= moment else None

    return eventually(run, timeout=240)


def stripe_view(client: stripe.StripeClient, customer_id: str) -> dict[str, Any]:
    customer = client.v1.customers.retrieve(customer_id)
    default = (
        customer.invoice_settings.default_payment_method if customer.invoice_settings else None
    )
    card = client.v1.payment_methods.retrieve(str(default)).card if default else None
    last4 = card.last4 if card else None
    invoices = client.v1.invoices.list(params={"customer": customer_id, "limit": 100}).data
    subscriptions = client.v1.subscriptions.list(params={"customer": customer_id}).data
    return {
        "card": last4,
        "invoices": {invoice.id: invoice.status for invoice in invoices},
        "subscription_status": subscriptions[0].status if subscriptions else None,
    }


def our_view(agent: Api) -> dict[str, Any]:
    account = agent.get("/v1/account").json()
    invoices = agent.get("/v1/billing/invoices", params={"limit": 100}).json()["invoices"]
    return {
        "card": account["card"]["last4"] if account["card"] else None,
        "invoices": {invoice["id"]: invoice["status"] for invoice in invoices},
        "subscription_status": account["subscription_status"],
    }


Step = Callable[[stripe.StripeClient, str, dict[str, Any]], None]


def card_on_file(client: stripe.StripeClient, customer: str, state: dict[str, Any]) -> None:
    attach_card(client, customer, GOOD_CARD)


def subscription(client: stripe.StripeClient, customer: str, state: dict[str, Any]) -> None:
    state["subscription"] = subscribe(client, customer, monthly_plan(client, "Pro", 29900)).id


def declining_card(client: stripe.StripeClient, customer: str, state: dict[str, Any]) -> None:
    attach_card(client, customer, DECLINES_ON_CHARGE)


def extra_invoice_fails(client: stripe.StripeClient, customer: str, state: dict[str, Any]) -> None:
    draft = client.v1.invoices.create(
        params={"customer": customer, "subscription": state["subscription"]}
    )
    state["failed_invoice"] = draft.id
    with contextlib.suppress(stripe.StripeError):
        client.v1.invoices.pay(draft.id)


def new_card_pays(client: stripe.StripeClient, customer: str, state: dict[str, Any]) -> None:
    attach_card(client, customer, OTHER_GOOD_CARD)
    client.v1.invoices.pay(state["failed_invoice"])


LIFECYCLE: list[Step] = [
    card_on_file,
    subscription,
    declining_card,
    extra_invoice_fails,
    new_card_pays,
]


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dropped=st.sets(st.integers(min_value=0, max_value=len(LIFECYCLE) - 1), min_size=1))
def test_after_one_catch_up_the_read_model_equals_stripe(
    stack, support_api, new_agent, stripe_client, dropped
):
    account_id, agent = new_agent()
    customer = customer_of(account_id)
    state: dict[str, Any] = {}
    for index, step in enumerate(LIFECYCLE):
        if index in dropped:
            with deliveries_lost(stack):
                step(stripe_client, customer, state)
        else:
            step(stripe_client, customer, state)
    time.sleep(2.5)  # the deliveries that were not lost have landed
    finished_changes = time.time()

    catch_up_past(support_api, finished_changes)

    expected = stripe_view(stripe_client, customer)
    eventually(lambda: our_view(agent) == expected or None, timeout=30)
    assert our_view(agent) == expected


def test_a_catch_up_over_applied_events_applies_nothing_again(support_api):
    catch_up_past(support_api, time.time())
    again = support_api.post("/v1/support/stripe/catch-up").json()
    assert again["events_seen"] >= 0
    assert again["events_applied"] == 0


def test_resync_after_a_card_changed_in_stripe_shows_the_new_card(
    stack, support_api, new_agent, stripe_client
):
    account_id, agent = new_agent()
    customer = customer_of(account_id)
    with deliveries_lost(stack):
        attach_card(stripe_client, customer, OTHER_GOOD_CARD)
    assert agent.get("/v1/account").json()["card"] is None

    response = support_api.post(f"/v1/support/accounts/{account_id}/resync")

    assert response.status_code == 202
    assert response.json() == {"account_id": account_id, "status": "importing"}
    account = eventually(
        lambda: (
            ((a := agent.get("/v1/account").json())["stripe_sync"]["status"] == "current" and a)
            or None
        ),
        timeout=60,
    )
    assert account["card"]["last4"] == "4444"


def test_resync_of_an_unknown_account_is_404(support_api):
    response = support_api.post("/v1/support/accounts/nobody-here/resync")
    assert response.status_code == 404


def test_the_sync_routes_are_support_only(stack, new_agent):
    account_id, agent = new_agent()
    assert agent.post(f"/v1/support/accounts/{account_id}/resync").status_code == 403
    assert agent.post("/v1/support/stripe/catch-up").status_code == 403
    assert agent.get("/v1/support/operations").status_code == 403
    assert agent.post("/v1/support/operations/dead-letters/render/redrive").status_code == 403


# ---------------------------------------------------------------- operations and redrive


def queue_url(stack, logical_id: str) -> str:
    return str(stack.resources.physical[logical_id])


def message_count(stack, logical_id: str) -> int:
    attributes = aws_client("sqs", stack.aws_url).get_queue_attributes(
        QueueUrl=queue_url(stack, logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def dead_letter(stack, logical_id: str, body: str) -> None:
    aws_client("sqs", stack.aws_url).send_message(
        QueueUrl=queue_url(stack, logical_id), MessageBody=body
    )


def test_operations_show_the_catch_up_and_every_dead_letter_queue(support_api):
    catch_up_past(support_api, time.time())
    body = support_api.get("/v1/support/operations").json()
    assert set(body["dead_letters"]) == {"stripe-events", "stripe-import", "render", "reassignment"}
    assert body["catch_up"]["last_run_at"]
    assert body["catch_up"]["lag_seconds"] < 600


def test_an_unknown_queue_is_404(support_api):
    response = support_api.post("/v1/support/operations/dead-letters/nope/redrive")
    assert response.status_code == 404


def test_a_dead_lettered_event_is_redriven_and_applied_once(stack, support_api, new_agent):
    account_id, agent = new_agent()
    customer = customer_of(account_id)
    event = stripe_event(
        "customer.subscription.created",
        {"id": "sub_redriven1", "object": "subscription", "customer": customer, "status": "active"},
    )
    dead_letter(stack, "StripeEventsDeadLetterQueue", json.dumps(event))

    response = support_api.post("/v1/support/operations/dead-letters/stripe-events/redrive")

    assert response.status_code == 202
    assert response.json() == {"queue": "stripe-events", "moved": 1}
    eventually(lambda: agent.get("/v1/account").json()["subscription_status"] == "active" or None)
    record = eventually(lambda: finished_record(event["id"]))
    assert (record.outcome, record.duplicates) == ("processed", 0)
    assert message_count(stack, "StripeEventsDeadLetterQueue") == 0


def test_a_poison_message_redriven_goes_back_to_its_dead_letters_and_stops(stack, support_api):
    dead_letter(stack, "StripeEventsDeadLetterQueue", "this is not a Stripe event")

    first = support_api.post("/v1/support/operations/dead-letters/stripe-events/redrive")

    assert first.json() == {"queue": "stripe-events", "moved": 1}
    # The consumer fails it maxReceiveCount (5) times; SQS dead-letters it again, and there
    # it stays: nothing moves it back by itself.
    eventually(lambda: message_count(stack, "StripeEventsDeadLetterQueue") == 1 or None, 60)
    time.sleep(3)
    assert message_count(stack, "StripeEventsDeadLetterQueue") == 1
    assert message_count(stack, "StripeEventsQueue") == 0
    body = support_api.get("/v1/support/operations").json()
    assert body["dead_letters"]["stripe-events"] == 1
    again = support_api.post("/v1/support/operations/dead-letters/stripe-events/redrive")
    assert again.json()["moved"] == 1
    eventually(lambda: message_count(stack, "StripeEventsDeadLetterQueue") == 1 or None, 60)
