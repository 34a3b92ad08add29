"""Update Credit Card and Submit Payment.

The browser confirms a SetupIntent with Stripe.js (card data never reaches us); we receive its
id, make the card the customer's default, detach the old one, and pay every open invoice with it
(shared.billing.payments): an invoice whose payment needs the agent to authenticate is listed with
its PaymentIntent's client_secret, never as declined. Every Stripe write carries an idempotency
key derived from the request, and the whole PUT is idempotent (Powertools idempotency), so a
client retrying it never pays an invoice twice."""

from __future__ import annotations

import time
from functools import cache
from typing import Any, Self

import boto3
import stripe
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.accounts.views import CardView
from shared.billing.payments import InvoiceListener, pay_open_invoices
from shared.config import Settings
from shared.data.tables.accounts import CANCELLED, AccountModel, CardSummary
from shared.errors import (
    Conflict,
    NotFound,
    PaymentProviderUnavailable,
    SetupIncomplete,
)
from shared.observability import logger, metrics
from shared.stripe.gateway import StripeGateway
from shared.timeutil import utc_now


class SetupIntentView(BaseModel):
    id: str
    client_secret: str
    publishable_key: str


class CardUpdateRequest(BaseModel):
    # The document says what the validator enforces: exactly one of the two ids.
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "oneOf": [
                {"required": [field], "properties": {field: {"type": "string"}}}
                for field in ("setup_intent_id", "payment_method_id")
            ]
        },
    )

    setup_intent_id: str | None = Field(
        default=None, max_length=255, pattern=r"^seti_[A-Za-z0-9_]+$"
    )
    payment_method_id: str | None = Field(
        default=None, max_length=255, pattern=r"^pm_[A-Za-z0-9_]+$"
    )

    @model_validator(mode="after")
    def exactly_one_source(self) -> Self:
        if (self.setup_intent_id is None) == (self.payment_method_id is None):
            raise ValueError("Give exactly one of setup_intent_id or payment_method_id.")
        return self


class InvoiceFailure(BaseModel):
    id: str
    message: str


class InvoiceRequiringAction(BaseModel):
    id: str
    client_secret: str


class CardUpdateResult(BaseModel):
    card: CardView
    invoices_paid: list[str]
    invoices_failed: list[InvoiceFailure]
    # Not declined: the bank wants the agent to authenticate (Stripe.js confirmCardPayment).
    invoices_requiring_action: list[InvoiceRequiringAction] = Field(default_factory=list)


def _require_customer(account: AccountModel) -> str:
    if not account.stripe_customer_id:
        raise Conflict("This account has no billing profile yet; contact support.")
    return account.stripe_customer_id


def create_setup_intent(
    account: AccountModel, gateway: StripeGateway, publishable_key: str
) -> SetupIntentView:
    intent = gateway.create_setup_intent(_require_customer(account))
    return SetupIntentView(
        id=intent.id, client_secret=intent.client_secret or "", publishable_key=publishable_key
    )


def _payment_method_for(
    request: CardUpdateRequest, customer_id: str, gateway: StripeGateway
) -> str:
    if request.setup_intent_id:
        intent = gateway.retrieve_setup_intent(request.setup_intent_id)
        if intent.customer != customer_id:
            raise NotFound("No such setup intent.")  # another customer's: never reveal it
        if intent.status != "succeeded" or not intent.payment_method:
            raise SetupIncomplete(
                f"The card is not confirmed yet (setup intent {intent.status}); finish it first."
            )
        method = intent.payment_method
        return method if isinstance(method, str) else method.id
    assert request.payment_method_id is not None
    return request.payment_method_id


def _summary(method: stripe.PaymentMethod) -> CardSummary:
    card = method.card
    if card is None:
        raise Conflict("Only cards can be used here.")
    return CardSummary(
        brand=str(card.brand),
        last4=str(card.last4),
        exp_month=int(card.exp_month),
        exp_year=int(card.exp_year),
        payment_method_id=method.id,
    )


def update_card(
    account: AccountModel,
    request: CardUpdateRequest,
    gateway: StripeGateway,
    on_invoice_changed: InvoiceListener | None = None,
) -> CardUpdateResult:
    customer_id = _require_customer(account)
    payment_method_id = _payment_method_for(request, customer_id, gateway)
    method = gateway.retrieve_payment_method(payment_method_id)
    owner = method.customer if isinstance(method.customer, str | None) else method.customer.id
    if owner not in (None, customer_id):
        raise NotFound("No such payment method.")
    summary = _summary(method)
    if owner is None:
        # Real Stripe attaches on SetupIntent confirmation; localstripe does not. A card the
        # bank refuses fails here (402) before anything changed.
        gateway.attach_payment_method(payment_method_id, customer_id)
    gateway.set_default_payment_method(customer_id, payment_method_id)
    _point_subscription_at(account, payment_method_id, gateway)
    previous = account.card.payment_method_id if account.card else None
    account.update(
        actions=[
            AccountModel.card.set(summary),
            AccountModel.updated_at.set(utc_now()),
            # A customer event Stripe created before this change (and so possibly read before
            # it) must not bring the old card back when its delivery lands after us.
            AccountModel.customer_event_created.set(int(time.time())),
        ],
        condition=AccountModel.status != CANCELLED,
    )
    metrics.add_metric(name="CardsUpdated", unit="Count", value=1)
    if previous and previous != payment_method_id:
        _detach_quietly(previous, gateway)
    submitted = pay_open_invoices(customer_id, payment_method_id, gateway, on_invoice_changed)
    return CardUpdateResult(
        card=CardView(
            brand=summary.brand,
            last4=summary.last4,
            exp_month=int(summary.exp_month),
            exp_year=int(summary.exp_year),
        ),
        invoices_paid=submitted.paid,
        invoices_failed=[
            InvoiceFailure(id=invoice_id, message=message)
            for invoice_id, message in submitted.failed
        ],
        invoices_requiring_action=[
            InvoiceRequiringAction(id=invoice_id, client_secret=secret)
            for invoice_id, secret in submitted.requiring_action
        ],
    )


def _point_subscription_at(
    account: AccountModel, payment_method_id: str, gateway: StripeGateway
) -> None:
    """A subscription with its own default card would keep charging the old one: repoint it.
    Subscriptions without their own default use the customer's, which we just set."""
    if not account.subscription_id:
        return
    subscription = gateway.retrieve_subscription(account.subscription_id)
    current = getattr(subscription, "default_payment_method", None)
    current_id = current if isinstance(current, str | None) else current.id
    if current_id and current_id != payment_method_id:
        gateway.set_subscription_payment_method(account.subscription_id, payment_method_id)


def _detach_quietly(payment_method_id: str, gateway: StripeGateway) -> None:
    # The new card is already the default; a failed detach leaves an unused card, not a bug.
    try:
        gateway.detach_payment_method(payment_method_id)
    except (NotFound, PaymentProviderUnavailable, stripe.StripeError):
        logger.warning("could not detach the previous card", extra={"pm": payment_method_id})


@cache
def _idempotency_store(settings: Settings) -> DynamoDBPersistenceLayer:
    client: Any = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    return DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=client)


def update_card_once(
    settings: Settings,
    account: AccountModel,
    request: CardUpdateRequest,
    gateway: StripeGateway,
    on_invoice_changed: InvoiceListener | None = None,
    lambda_context: LambdaContext | None = None,
) -> CardUpdateResult:
    """The same PUT (same account, same card source) within an hour returns the first answer
    without touching Stripe again; a failed attempt is not remembered, so it can be retried."""

    config = IdempotencyConfig(expires_after_seconds=3600)
    if lambda_context is not None:
        # Lets an in-progress record expire with the invocation if Lambda times out mid-way.
        config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="command",
        persistence_store=_idempotency_store(settings),
        config=config,
        output_serializer=PydanticSerializer(model=CardUpdateResult),
    )
    def run(command: dict[str, Any]) -> CardUpdateResult:  # noqa: ARG001 - the idempotency key
        return update_card(account, request, gateway, on_invoice_changed)

    return run(command={"account_id": account.account_id, **request.model_dump()})  # type: ignore[no-any-return]
