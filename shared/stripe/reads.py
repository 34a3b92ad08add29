"""The few Stripe reads the read-model sync needs, as plain mappings.

Webhook payloads can be stale snapshots, and current API versions no longer put the payment
attempt on the invoice; these reads fetch the current object when a payload is not enough.
Domain code depends on the `StripeReads` protocol so tests can pass a fake; production uses
`GatewayReads`, a thin adapter over the Stripe gateway (stripe objects -> dicts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from shared.errors import NotFound
from shared.stripe.gateway import StripeGateway

StripeMapping = Mapping[str, Any]


class StripeReads(Protocol):
    def retrieve_invoice(self, invoice_id: str) -> StripeMapping: ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> StripeMapping: ...

    def latest_invoice_payment_intent(self, invoice_id: str) -> StripeMapping | None:
        """The PaymentIntent of the invoice's newest payment (current API shape), if any."""
        ...

    def retrieve_customer(self, customer_id: str) -> StripeMapping: ...

    def retrieve_payment_method(self, payment_method_id: str) -> StripeMapping: ...

    def retrieve_event(self, event_id: str) -> StripeMapping:
        """An event from Stripe's Events API (kept 30 days)."""
        ...


def as_mapping(value: Any) -> StripeMapping:
    """A Stripe object (stripe-python's StripeObject is not a dict) or a dict, as a mapping."""
    if value is None:
        return {}
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        converted: dict[str, Any] = to_dict()
        return converted
    if isinstance(value, Mapping):
        return value
    raise TypeError(f"not a Stripe object: {type(value).__name__}")


def object_id(value: Any) -> str | None:
    """An expandable field is either an id or the expanded object; this is its id."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        found = value.get("id")
        return str(found) if found else None
    return None


def expanded_payment_intent(value: Any, reads: StripeReads) -> StripeMapping | None:
    """An expandable `payment_intent` field as the PaymentIntent: the expanded object, or the
    one its id names."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value:
        return reads.retrieve_payment_intent(value)
    return None


def newest_payment_intent(
    payments: Iterable[StripeMapping], reads: StripeReads
) -> StripeMapping | None:
    """The PaymentIntent of the newest of an invoice's payments (current API shape), if any."""
    newest = max(payments, key=_created, default=None)
    if newest is None:
        return None
    return expanded_payment_intent((newest.get("payment") or {}).get("payment_intent"), reads)


def _created(payment: StripeMapping) -> int:
    created = payment.get("created")
    return int(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0


class GatewayReads:
    def __init__(self, gateway: StripeGateway) -> None:
        self.gateway = gateway

    def retrieve_invoice(self, invoice_id: str) -> StripeMapping:
        return as_mapping(self.gateway.retrieve_invoice(invoice_id))

    def retrieve_payment_intent(self, payment_intent_id: str) -> StripeMapping:
        return as_mapping(self.gateway.retrieve_payment_intent(payment_intent_id))

    def latest_invoice_payment_intent(self, invoice_id: str) -> StripeMapping | None:
        try:
            payments = self.gateway.list_invoice_payments(invoice_id)
        except NotFound:
            # Stripe fakes with an older API (localstripe) have no invoice payments endpoint.
            return None
        return newest_payment_intent(map(as_mapping, payments), self)

    def retrieve_customer(self, customer_id: str) -> StripeMapping:
        return as_mapping(self.gateway.retrieve_customer(customer_id))

    def retrieve_payment_method(self, payment_method_id: str) -> StripeMapping:
        return as_mapping(self.gateway.retrieve_payment_method(payment_method_id))

    def retrieve_event(self, event_id: str) -> StripeMapping:
        return as_mapping(self.gateway.retrieve_event(event_id))
