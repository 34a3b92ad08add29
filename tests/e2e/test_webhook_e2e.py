"""End to end: localstripe sends real signed webhooks through the local API gateway, and the
invoice appears in DynamoDB with the right statuses, in order.

Given an agent whose default card declines on charge, when a subscription is created, then
the first invoice shows up as open with a failed payment and the bank's message; when the
agent's default card becomes a good one and the invoice is paid, then it shows up as paid."""

from __future__ import annotations

import stripe

from local.seed import (
    DECLINES_ON_CHARGE,
    GOOD_CARD,
    attach_card,
    monthly_plan,
    stripe_for,
    subscribe,
)
from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.webhook_events import WebhookEventModel
from testing.waiting import eventually


def stored_invoice(invoice_id: str) -> InvoiceModel | None:
    return next(iter(InvoiceModel.by_invoice_id.query(invoice_id)), None)


def events_of(client: stripe.StripeClient, event_type: str, object_id: str) -> list[stripe.Event]:
    page = client.v1.events.list(params={"type": event_type, "limit": 100})
    return [event for event in page.data if event.to_dict()["data"]["object"]["id"] == object_id]


def test_failed_then_paid_invoice_reaches_dynamodb_by_webhooks(stack, new_agent):
    account_id, agent = new_agent(["78701"])
    customer_id = agent.get("/v1/account").json()["stripe_customer_id"]
    client = stripe_for(stack)

    # Given a default card that the bank declines when charged
    attach_card(client, customer_id, DECLINES_ON_CHARGE)
    # When a subscription bills its first invoice
    subscription = subscribe(client, customer_id, monthly_plan(client, "E2E Pro", 29900))
    invoice_id = str(subscription.latest_invoice)
    assert subscription.status == "incomplete"

    # Then the invoice arrives (by invoice.created) as open, payment failed, with the reason
    failed = eventually(
        lambda: (
            found
            if (found := stored_invoice(invoice_id)) and found.payment_status == "failed"
            else None
        )
    )
    assert failed.account_id == account_id
    assert failed.status == "open"
    assert failed.failure_message == "Your card was declined."
    assert failed.attempt_count == 1
    assert failed.amount_due == 29900
    assert failed.amount_remaining == 29900
    assert failed.currency == "usd"
    assert failed.subscription_id == subscription.id
    assert [line.amount for line in failed.lines] == [29900]
    failed_version = failed.last_event_created

    # When the agent's default card becomes a good one and the invoice is paid
    attach_card(client, customer_id, GOOD_CARD)
    client.v1.invoices.pay(invoice_id)

    # Then invoice.payment_succeeded moves it to paid, and the failure reason is gone
    paid = eventually(
        lambda: (
            found
            if (found := stored_invoice(invoice_id)) and found.payment_status == "paid"
            else None
        )
    )
    assert paid.status == "paid"
    assert paid.amount_paid == 29900
    assert paid.amount_remaining == 0
    assert paid.failure_message is None
    assert paid.paid_at is not None
    assert paid.last_event_created >= failed_version

    # And every delivery was recorded once, as processed
    for event_type in ("invoice.created", "invoice.payment_succeeded"):
        (event,) = events_of(client, event_type, invoice_id)
        record = eventually(lambda event_id=event.id: _processed(event_id))
        assert record.type == event_type
        assert record.duplicates == 0

    # And the account followed the card changes (customer.updated) and the subscription
    account = eventually(
        lambda: (
            found
            if (found := AccountModel.get(account_id)).card and found.card.last4 == "4242"
            else None
        )
    )
    assert account.card is not None
    assert account.card.brand == "visa"
    assert account.subscription_id == subscription.id
    assert account.subscription_status == "incomplete"  # localstripe sends no .updated


def _processed(event_id: str) -> WebhookEventModel | None:
    try:
        record = WebhookEventModel.get(event_id)
    except WebhookEventModel.DoesNotExist:
        return None
    return record if record.outcome == "processed" else None
