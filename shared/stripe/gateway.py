"""The one door to Stripe. Handlers never call Stripe; domain code calls this gateway, which maps
Stripe's failures to domain errors: a decline is a 402, an outage is a 502 (nothing changed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import stripe

from shared.config import Settings
from shared.errors import CardDeclined, InvalidRequest, NotFound, PaymentProviderUnavailable
from shared.observability import logger


@contextmanager
def stripe_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or "Your card was declined.") from None
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing" or error.http_status == 404:
            raise NotFound("No such object.") from None
        # Stripe refuses parameters it finds invalid (e.g. an email it cannot accept).
        raise InvalidRequest(
            f"The payment provider refused the request: {error.user_message or 'invalid data'}."
        ) from None
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

    def customer_exists(self, customer_id: str) -> bool:
        try:
            with stripe_errors():
                customer = self.client.v1.customers.retrieve(customer_id)
        except NotFound:
            return False
        return not getattr(customer, "deleted", False)

    # Reads: the current state of an object (webhook payloads may be stale snapshots).
    def retrieve_invoice(self, invoice_id: str) -> stripe.Invoice:
        with stripe_errors():
            return self.client.v1.invoices.retrieve(invoice_id)

    def retrieve_event(self, event_id: str) -> stripe.Event:
        with stripe_errors():
            return self.client.v1.events.retrieve(event_id)

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

    def list_invoice_payments(self, invoice_id: str) -> list[stripe.InvoicePayment]:
        """The invoice's payments (current API shape), with their PaymentIntents expanded."""
        with stripe_errors():
            page = self.client.v1.invoice_payments.list(
                params={"invoice": invoice_id, "expand": ["data.payment.payment_intent"]}
            )
        return list(page.data)

    def cancel_customer_subscriptions(
        self,
        customer_id: str,
        *,
        known_subscription_id: str | None,
        at_period_end: bool,
        idempotency_prefix: str,
    ) -> list[str]:
        """Cancels every subscription of the customer that is not cancelled yet (the one we know
        of and any other, e.g. add-ons), now or at the end of the paid period. Returns their ids.
        Already cancelled (or already ending) subscriptions are left alone, so a retry is safe."""
        with stripe_errors():
            listed = self.client.v1.subscriptions.list(
                params={"customer": customer_id, "limit": 100}
            )
        subscriptions = {subscription.id: subscription for subscription in listed.data}
        if known_subscription_id and known_subscription_id not in subscriptions:
            try:
                known = self.retrieve_subscription(known_subscription_id)
            except NotFound:
                known = None
            if known is not None and known.status not in ("canceled", "incomplete_expired"):
                subscriptions[known.id] = known
        cancelled: list[str] = []
        for subscription_id, subscription in sorted(subscriptions.items()):
            if at_period_end and getattr(subscription, "cancel_at_period_end", False):
                continue
            self.cancel_subscription(
                subscription_id,
                at_period_end=at_period_end,
                idempotency_key=f"{idempotency_prefix}-{subscription_id}",
            )
            cancelled.append(subscription_id)
        return cancelled

    # Card on file and Submit Payment (card_update).
    def create_setup_intent(self, customer_id: str) -> stripe.SetupIntent:
        with stripe_errors():
            return self.client.v1.setup_intents.create(
                params={"customer": customer_id, "usage": "off_session"}
            )

    def retrieve_setup_intent(self, setup_intent_id: str) -> stripe.SetupIntent:
        with stripe_errors():
            return self.client.v1.setup_intents.retrieve(setup_intent_id)

    def attach_payment_method(self, payment_method_id: str, customer_id: str) -> None:
        with stripe_errors():
            self.client.v1.payment_methods.attach(
                payment_method_id,
                params={"customer": customer_id},
                options={"idempotency_key": f"attach-{payment_method_id}-{customer_id}"},
            )

    def detach_payment_method(self, payment_method_id: str) -> None:
        with stripe_errors():
            self.client.v1.payment_methods.detach(payment_method_id)

    def set_default_payment_method(self, customer_id: str, payment_method_id: str) -> None:
        with stripe_errors():
            self.client.v1.customers.update(
                customer_id,
                params={"invoice_settings": {"default_payment_method": payment_method_id}},
                options={"idempotency_key": f"default-pm-{customer_id}-{payment_method_id}"},
            )

    def set_subscription_payment_method(self, subscription_id: str, payment_method_id: str) -> None:
        with stripe_errors():
            self.client.v1.subscriptions.update(
                subscription_id,
                params={"default_payment_method": payment_method_id},
                options={"idempotency_key": f"sub-pm-{subscription_id}-{payment_method_id}"},
            )

    def customer_invoices(self, customer_id: str) -> list[stripe.Invoice]:
        with stripe_errors():
            page = self.client.v1.invoices.list(params={"customer": customer_id, "limit": 100})
            return list(page.auto_paging_iter())

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> stripe.Invoice:
        """Pays with the customer's default card. A retry with the same key never charges
        twice: real Stripe replays the first answer; localstripe answers "already paid"."""
        try:
            with stripe_errors():
                return self.client.v1.invoices.pay(
                    invoice_id, options={"idempotency_key": idempotency_key}
                )
        except InvalidRequest:
            invoice = self.retrieve_invoice(invoice_id)
            if invoice.status == "paid":
                return invoice
            raise


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
