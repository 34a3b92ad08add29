"""The account side: card summary and subscription status follow Stripe, in any order.

Card events are checked against localstripe (real Stripe reads, real signed webhooks where
localstripe sends them); events it never sends are signed here and posted to the gateway,
then applied by the Stripe events consumer that the local SQS poller runs."""

from __future__ import annotations

import json
import time
from typing import Any

from local.seed import GOOD_CARD, attach_card, stripe_for
from shared.data.tables.accounts import AccountModel
from shared.data.tables.webhook_events import WebhookEventModel
from testing.api_client import Api
from testing.stripe_objects import card_payment_method, customer_object, subscription_object
from testing.waiting import eventually, finished_record
from testing.webhook_events import signature_header, stripe_event

MASTERCARD = "5555555555554444"


def send(stack, event: dict[str, Any]) -> WebhookEventModel:
    payload = json.dumps(event)
    response = Api(stack.api_url).post(
        "/v1/webhooks/stripe",
        data=payload.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(payload)},
    )
    assert response.status_code == 200, response.text
    return eventually(lambda: finished_record(event["id"]))


def card_last4(account_id: str, last4: str) -> AccountModel | None:
    account = AccountModel.get(account_id)
    return account if account.card is not None and account.card.last4 == last4 else None


def test_the_card_summary_follows_the_default_card_changed_in_stripe(stack, new_agent):
    account_id, agent = new_agent()
    customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
    client = stripe_for(stack)

    # When the default card is set and later replaced outside our API (customer.updated)
    first = attach_card(client, customer_id, GOOD_CARD)
    account = eventually(lambda: card_last4(account_id, "4242"))
    assert account.card is not None
    assert account.card.payment_method_id == first
    second = attach_card(client, customer_id, MASTERCARD)

    # Then the account shows the new card
    account = eventually(lambda: card_last4(account_id, "4444"))
    assert account.card is not None
    assert account.card.payment_method_id == second
    card = agent.get("/v1/account").json()["card"]
    assert (card["last4"], card["exp_month"], card["exp_year"]) == ("4444", 12, 2030)

    # When that card is detached in Stripe
    client.v1.payment_methods.detach(second)
    detached = card_payment_method(payment_method_id=second, customer=None, last4="4444")
    record = send(
        stack,
        stripe_event(
            "payment_method.detached", detached, previous_attributes={"customer": customer_id}
        ),
    )

    # Then the account has no card summary for it any more
    assert record.outcome == "processed"
    remaining = AccountModel.get(account_id).card
    assert remaining is None or remaining.payment_method_id != second


def test_an_older_customer_update_does_not_bring_an_old_card_back(stack, new_agent):
    account_id, agent = new_agent()
    customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
    client = stripe_for(stack)
    attach_card(client, customer_id, GOOD_CARD)
    eventually(lambda: card_last4(account_id, "4242"))
    newer = attach_card(client, customer_id, MASTERCARD)
    eventually(lambda: card_last4(account_id, "4444"))

    # A delayed customer.updated naming the first card arrives
    stale = customer_object(customer_id=customer_id, default_payment_method="pm_old_card")
    record = send(stack, stripe_event("customer.updated", stale, created=int(time.time()) - 60))

    assert record.outcome in ("ignored", "processed")
    account = AccountModel.get(account_id)
    assert account.card is not None
    assert account.card.payment_method_id == newer


def test_subscription_status_is_order_proof(stack, new_agent):
    account_id, agent = new_agent()
    customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
    now = int(time.time())
    subscription_id = "sub_order" + account_id[-8:]

    def event(event_type: str, status: str, created: int) -> dict[str, Any]:
        subscription = subscription_object(
            subscription_id=subscription_id, customer=customer_id, status=status
        )
        return stripe_event(event_type, subscription, created=created)

    # canceled arrives first, then the older events
    outcomes = [
        send(stack, event("customer.subscription.deleted", "canceled", now + 3)).outcome,
        send(stack, event("customer.subscription.updated", "past_due", now + 2)).outcome,
        send(stack, event("customer.subscription.created", "active", now + 1)).outcome,
    ]

    assert outcomes == ["processed", "ignored", "ignored"]
    account = AccountModel.get(account_id)
    assert (account.subscription_id, account.subscription_status) == (subscription_id, "canceled")
    assert agent.get("/v1/account").json()["subscription_status"] == "canceled"

    # a new subscription after the old one ended is followed
    renewed = subscription_object(customer=customer_id, status="active")
    renewal = stripe_event("customer.subscription.created", renewed, created=now + 4)
    assert send(stack, renewal).outcome == "processed"
    assert AccountModel.get(account_id).subscription_status == "active"


def test_same_second_created_and_updated_end_active_in_any_order(stack, new_agent):
    for order in ((0, 1), (1, 0)):
        account_id, agent = new_agent()
        customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
        now = int(time.time())
        subscription = subscription_object(customer=customer_id, status="incomplete")
        events = [
            stripe_event("customer.subscription.created", subscription, created=now),
            stripe_event(
                "customer.subscription.updated", {**subscription, "status": "active"}, created=now
            ),
        ]

        for index in order:
            send(stack, events[index])

        assert AccountModel.get(account_id).subscription_status == "active"


def test_events_of_unknown_customers_are_acknowledged(stack):
    record = send(stack, stripe_event("customer.updated", customer_object(customer_id="cus_nope")))

    assert (record.outcome, record.detail) == ("ignored", "unknown customer cus_nope")
