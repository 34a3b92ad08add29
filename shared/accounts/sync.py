"""The account side of the read model that Stripe events keep current: which account a Stripe
customer belongs to, the card summary (follows the customer's default payment method, also
when it changes outside our API) and the subscription status.

Every write is conditional on the event time stored on the account, so a late event never
moves the account back; Stripe is asked for the current default card rather than trusting a
possibly stale payload."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from shared.data.conditions import condition_failed
from shared.data.tables.accounts import AccountModel, CardSummary
from shared.stripe.reads import StripeReads, object_id
from shared.timeutil import utc_now

# Subscription statuses a subscription never leaves, and the tie-break rank for events that
# Stripe stamps with the same second (created -> updated happen within one second).
TERMINAL_SUBSCRIPTION_STATUSES = ("canceled", "incomplete_expired")
SUBSCRIPTION_RANK = {
    "incomplete": 0,
    "trialing": 1,
    "active": 1,
    "past_due": 1,
    "unpaid": 1,
    "paused": 1,
    "incomplete_expired": 2,
    "canceled": 2,
}

# Positive lookups only: a customer id, once given to an account, never moves to another one.
_account_ids_by_customer: dict[str, str] = {}
_CACHE_LIMIT = 10_000


def account_for_customer(customer_id: str | None) -> AccountModel | None:
    if not customer_id:
        return None
    for account in AccountModel.by_stripe_customer_id.query(customer_id, limit=1):
        _remember(customer_id, account.account_id)
        return account
    return None


def account_id_for_customer(customer_id: str | None) -> str | None:
    if not customer_id:
        return None
    cached = _account_ids_by_customer.get(customer_id)
    if cached is not None:
        return cached
    account = account_for_customer(customer_id)
    return account.account_id if account else None


def _remember(customer_id: str, account_id: str) -> None:
    if len(_account_ids_by_customer) >= _CACHE_LIMIT:
        _account_ids_by_customer.clear()
    _account_ids_by_customer[customer_id] = account_id


def _conditional_update(account: AccountModel, actions: list[Any], condition: Condition) -> bool:
    try:
        account.update(actions=actions, condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


# ---------------------------------------------------------------- card summary


def card_summary(payment_method: Mapping[str, Any]) -> CardSummary | None:
    card = payment_method.get("card")
    if not isinstance(card, Mapping) or not card.get("last4"):
        return None
    return CardSummary(
        brand=str(card.get("brand") or "unknown"),
        last4=str(card["last4"]),
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
        payment_method_id=object_id(payment_method),
    )


def stored_payment_method_id(account: AccountModel) -> str | None:
    return account.card.payment_method_id if account.card is not None else None


def default_payment_method_id(customer: Mapping[str, Any]) -> str | None:
    settings = customer.get("invoice_settings") or {}
    return object_id(settings.get("default_payment_method"))


class CardRefresh(StrEnum):
    UPDATED = "card updated"
    REMOVED = "card removed"
    UNCHANGED = "card unchanged"
    STALE = "stale"


def refresh_card(
    account: AccountModel,
    reads: StripeReads,
    *,
    event_created: int,
    detached_payment_method_id: str | None = None,
) -> CardRefresh:
    """Sets the account's card summary from the customer's *current* default payment method.

    Returns what happened (a `CardRefresh`)."""
    customer = reads.retrieve_customer(str(account.stripe_customer_id))
    default_id = default_payment_method_id(customer)
    if default_id is not None and default_id == detached_payment_method_id:
        default_id = None  # a detached payment method cannot stay the default
    if default_id == stored_payment_method_id(account):
        return CardRefresh.UNCHANGED
    summary = None
    if default_id is not None:
        summary = card_summary(reads.retrieve_payment_method(default_id))
    actions: list[Any] = [
        AccountModel.customer_event_created.set(event_created),
        AccountModel.updated_at.set(utc_now()),
        AccountModel.card.set(summary) if summary is not None else AccountModel.card.remove(),
    ]
    condition = AccountModel.account_id.exists() & (
        AccountModel.customer_event_created.does_not_exist()
        | (AccountModel.customer_event_created <= event_created)
    )
    if not _conditional_update(account, actions, condition):
        return CardRefresh.STALE
    return CardRefresh.UPDATED if summary is not None else CardRefresh.REMOVED


# ---------------------------------------------------------------- subscription status


def _subscription_condition(subscription_id: str, status: str, event_created: int) -> Condition:
    rank = SUBSCRIPTION_RANK.get(status, 1)
    not_above = [name for name, value in SUBSCRIPTION_RANK.items() if value <= rank]
    newer = (
        AccountModel.subscription_event_created.does_not_exist()
        | (AccountModel.subscription_event_created < event_created)
    ) | (
        (AccountModel.subscription_event_created == event_created)
        & AccountModel.subscription_status.is_in(*not_above)
    )
    same_subscription = AccountModel.subscription_id == subscription_id
    # The account follows one subscription: its own, or a new one once the old one has ended.
    ours = (
        AccountModel.subscription_id.does_not_exist()
        | same_subscription
        | AccountModel.subscription_status.is_in(*TERMINAL_SUBSCRIPTION_STATUSES)
    )
    condition: Condition = AccountModel.account_id.exists() & ours & newer
    if status not in TERMINAL_SUBSCRIPTION_STATUSES:
        # An ended subscription never comes back, whatever the timestamps say.
        condition = condition & ~(
            same_subscription
            & AccountModel.subscription_status.is_in(*TERMINAL_SUBSCRIPTION_STATUSES)
        )
    return condition


def apply_subscription(
    account: AccountModel, subscription: Mapping[str, Any], *, event_created: int
) -> bool:
    """Records the subscription's status on the account; False when the event is stale or
    about another subscription than the one the account follows."""
    subscription_id = str(subscription["id"])
    status = str(subscription.get("status") or "incomplete")
    actions: list[Any] = [
        AccountModel.subscription_id.set(subscription_id),
        AccountModel.subscription_status.set(status),
        AccountModel.subscription_event_created.set(event_created),
        AccountModel.updated_at.set(utc_now()),
    ]
    return _conditional_update(
        account, actions, _subscription_condition(subscription_id, status, event_created)
    )
