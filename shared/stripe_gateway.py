"""The one door to Stripe. Handlers never call Stripe; domain code calls this gateway, which maps
Stripe's failures to domain errors: a decline is a 402, an outage is a 502 (nothing changed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import stripe

from shared.config import Settings
from shared.errors import CardDeclined, NotFound, PaymentProviderUnavailable
from shared.observability import logger


@contextmanager
def stripe_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or "Your card was declined.") from None
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing":
            raise NotFound("No such object.") from None
        raise
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        logger.warning("stripe unreachable", extra={"stripe_error": type(error).__name__})
        raise PaymentProviderUnavailable(
            "The payment provider is unavailable; nothing was changed. Try again shortly."
        ) from None
    except stripe.APIError as error:
        logger.warning("stripe error", extra={"http_status": error.http_status})
        raise PaymentProviderUnavailable(
            "The payment provider is unavailable; nothing was changed. Try again shortly."
        ) from None


class StripeGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_customer(self, *, email: str, name: str, account_id: str) -> str:
        with stripe_errors():
            customer = self.client.v1.customers.create(
                params={"email": email, "name": name, "metadata": {"account_id": account_id}},
                options={"idempotency_key": f"create-customer-{account_id}"},
            )
        return customer.id

    # Reads: the current state of an object (webhook payloads may be stale snapshots).
    def retrieve_invoice(self, invoice_id: str) -> stripe.Invoice:
        with stripe_errors():
            return self.client.v1.invoices.retrieve(invoice_id)

    def retrieve_customer(self, customer_id: str) -> stripe.Customer:
        with stripe_errors():
            return self.client.v1.customers.retrieve(customer_id)

    def retrieve_payment_method(self, payment_method_id: str) -> stripe.PaymentMethod:
        with stripe_errors():
            return self.client.v1.payment_methods.retrieve(payment_method_id)

    def retrieve_payment_intent(self, payment_intent_id: str) -> stripe.PaymentIntent:
        with stripe_errors():
            return self.client.v1.payment_intents.retrieve(payment_intent_id)

    def retrieve_subscription(self, subscription_id: str) -> stripe.Subscription:
        with stripe_errors():
            return self.client.v1.subscriptions.retrieve(subscription_id)

    def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool, idempotency_key: str
    ) -> stripe.Subscription:
        with stripe_errors():
            if at_period_end:
                return self.client.v1.subscriptions.update(
                    subscription_id,
                    params={"cancel_at_period_end": True},
                    options={"idempotency_key": idempotency_key},
                )
            return self.client.v1.subscriptions.cancel(
                subscription_id, options={"idempotency_key": idempotency_key}
            )


def stripe_client(settings: Settings) -> stripe.StripeClient:
    base_addresses: dict[str, str] = {}
    if settings.stripe_api_base:
        base_addresses = {"api": settings.stripe_api_base}
    http_client = stripe.RequestsClient(timeout=settings.stripe_timeout_seconds)
    return stripe.StripeClient(
        settings.stripe_api_key(),
        base_addresses=base_addresses,  # type: ignore[arg-type]
        max_network_retries=settings.stripe_max_network_retries,
        http_client=http_client,
    )


@cache
def gateway_for(settings: Settings) -> StripeGateway:
    return StripeGateway(stripe_client(settings))
