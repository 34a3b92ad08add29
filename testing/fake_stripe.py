"""The one fake of Stripe (of Stripe, not of our code): the reads the sync makes
(`shared.stripe.reads.StripeReads`) and the subscription cancellation approval makes
(`shared.cancellation.tickets.SubscriptionCanceller`)."""

from __future__ import annotations

from typing import Any

from shared.errors import NotFound, PaymentProviderUnavailable

StripeObject = dict[str, Any]


class FakeStripe:
    """`invoices` answers retrieve_invoice (the current invoice), `payment_intents` the intents
    an invoice's `payments` (or an older shape's `payment_intent`) point at, `latest_intents`
    (invoice id -> its newest payment's intent) the invoice payments Stripe lists,
    `customers`/`payment_methods` the card refresh; cancelling a customer's subscriptions
    cancels none. A read of something not set up is a NotFound, as Stripe's 404 is through the
    gateway; with `down=True` every call
    fails as an unreachable Stripe does.

    Every call is recorded in `calls`, e.g. "invoice:in_1", "payment_intent:pi_1",
    "invoice_payments:in_1", "customer:cus_1", "payment_method:pm_1",
    "cancel_subscriptions:cus_1"."""

    def __init__(
        self,
        *,
        invoices: dict[str, StripeObject] | None = None,
        payment_intents: dict[str, StripeObject] | None = None,
        latest_intents: dict[str, StripeObject] | None = None,
        customers: dict[str, StripeObject] | None = None,
        payment_methods: dict[str, StripeObject] | None = None,
        events: dict[str, StripeObject] | None = None,
        down: bool = False,
    ) -> None:
        self.invoices = invoices or {}
        self.payment_intents = payment_intents or {}
        self.latest_intents = latest_intents or {}
        self.customers = customers or {}
        self.payment_methods = payment_methods or {}
        self.events = events or {}
        self.down = down
        self.calls: list[str] = []

    def _call(self, call: str) -> None:
        self.calls.append(call)
        if self.down:
            raise PaymentProviderUnavailable("Stripe is down.")

    @staticmethod
    def _found(objects: dict[str, StripeObject], object_id: str) -> StripeObject:
        if object_id not in objects:
            raise NotFound(f"No such object: {object_id}")
        return objects[object_id]

    def retrieve_event(self, event_id: str) -> StripeObject:
        self._call(f"event:{event_id}")
        return self._found(self.events, event_id)

    def retrieve_invoice(self, invoice_id: str) -> StripeObject:
        self._call(f"invoice:{invoice_id}")
        return self._found(self.invoices, invoice_id)

    def retrieve_payment_intent(self, payment_intent_id: str) -> StripeObject:
        self._call(f"payment_intent:{payment_intent_id}")
        return self._found(self.payment_intents, payment_intent_id)

    def latest_invoice_payment_intent(self, invoice_id: str) -> StripeObject | None:
        self._call(f"invoice_payments:{invoice_id}")
        return self.latest_intents.get(invoice_id)

    def retrieve_customer(self, customer_id: str) -> StripeObject:
        self._call(f"customer:{customer_id}")
        return self._found(self.customers, customer_id)

    def retrieve_payment_method(self, payment_method_id: str) -> StripeObject:
        self._call(f"payment_method:{payment_method_id}")
        return self._found(self.payment_methods, payment_method_id)

    def cancel_customer_subscriptions(self, customer_id: str, **_: object) -> list[str]:
        self._call(f"cancel_subscriptions:{customer_id}")
        return []


def with_failed_payments(
    invoice: StripeObject, stripe: FakeStripe, messages: list[str]
) -> StripeObject:
    """Adds the invoice's payments (one declined PaymentIntent per message, newest last) the
    way an invoice retrieved with `payments` included shows them, and registers the intents."""
    payments = []
    for attempt, message in enumerate(messages, start=1):
        intent_id = f"pi_{invoice['id'].removeprefix('in_')}_{attempt}"
        stripe.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "requires_payment_method",
            "last_payment_error": {"type": "card_error", "message": message},
        }
        payments.append(
            {
                "id": f"inpay_{intent_id}",
                "object": "invoice_payment",
                "created": int(invoice["created"]) + attempt,
                "payment": {"type": "payment_intent", "payment_intent": intent_id},
                "status": "open",
            }
        )
    invoice["payments"] = {"object": "list", "data": payments, "has_more": False}
    return invoice
