"""Customers that already pay through Stripe before they have an account here (every agent
on launch day): made directly in localstripe, with a card, a subscription and a history of
invoices in several statuses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import stripe

from local.seed import attach_card, monthly_plan, subscribe

GOOD_CARD = "4242424242424242"


@dataclass
class StripeCustomerHistory:
    customer_id: str
    subscription_id: str
    payment_method_id: str
    invoice_ids: list[str] = field(default_factory=list)

    def statuses(self, client: stripe.StripeClient) -> dict[str, str]:
        return {
            invoice_id: str(client.v1.invoices.retrieve(invoice_id).status)
            for invoice_id in self.invoice_ids
        }


def customer_with_history(
    client: stripe.StripeClient, *, invoices: int, name: str = "Launch Day Agent"
) -> StripeCustomerHistory:
    """A customer with a good default card, an active subscription whose first invoice is
    paid, and `invoices - 1` more invoices: every third paid, the rest left as drafts."""
    customer = client.v1.customers.create(params={"email": "launch@example.com", "name": name})
    payment_method_id = attach_card(client, customer.id, GOOD_CARD)
    subscription = subscribe(client, customer.id, monthly_plan(client, "Pro", 29900))
    history = StripeCustomerHistory(customer.id, subscription.id, payment_method_id)
    history.invoice_ids.append(str(subscription.latest_invoice))
    for index in range(invoices - 1):
        draft = client.v1.invoices.create(
            params={"customer": customer.id, "subscription": subscription.id}
        )
        if index % 3 == 0:
            client.v1.invoices.pay(draft.id)
        history.invoice_ids.append(draft.id)
    return history


def status_counts(statuses: dict[str, str]) -> Counter[str]:
    return Counter(statuses.values())
