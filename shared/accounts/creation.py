"""Account creation by support: the request body it validates and the one transaction it writes.

Kept apart from `shared.accounts.views` (the read side) so the account function's request path never
loads pydantic; only functions that validate a body pay for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.exceptions import TransactWriteError

from shared.accounts.views import normalised_email
from shared.data.conditions import transaction_condition_failed
from shared.data.connection import transaction
from shared.data.tables.accounts import ACTIVE, AccountModel, TerritoryAgentModel
from shared.data.tables.stripe_sync import StripeCustomerModel
from shared.errors import Conflict, StripeCustomerInUse, UnknownStripeCustomer
from shared.http.text import EMAIL_PATTERN, ID_PATTERN, SINGLE_LINE_TEXT, TERRITORY_PATTERN
from shared.observability import logger
from shared.sync.status import SyncStatus, set_sync_status
from shared.timeutil import utc_now

Territory = Annotated[str, Field(min_length=1, max_length=32, pattern=TERRITORY_PATTERN)]


class NewAccount(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    account_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    name: str = Field(min_length=1, max_length=200, pattern=SINGLE_LINE_TEXT)
    territories: list[Territory] = Field(default_factory=list, max_length=90)
    stripe_customer_id: str | None = Field(
        default=None, max_length=255, pattern=r"^cus_[A-Za-z0-9]+$"
    )


class StripeCustomers(Protocol):
    def create_customer(self, *, email: str, name: str, account_id: str) -> str: ...

    def customer_exists(self, customer_id: str) -> bool: ...


def provision_account(
    new: NewAccount, stripe: StripeCustomers, queue_import: Callable[[str], None]
) -> AccountModel:
    """Support's "create an agent account": for the given Stripe customer (which must exist and
    belong to no other account; its history is then imported) or for a new one."""
    if account_exists(new.account_id):
        # Checked before Stripe is asked for a customer, so a repeated request creates none.
        raise Conflict(f"Account {new.account_id} already exists.")
    if new.stripe_customer_id is None:
        customer_id = stripe.create_customer(
            email=new.email, name=new.name, account_id=new.account_id
        )
        return create_account(new, customer_id, sync_status=SyncStatus.CURRENT)
    if not stripe.customer_exists(new.stripe_customer_id):
        raise UnknownStripeCustomer(f"Stripe has no customer {new.stripe_customer_id}.")
    account = create_account(new, new.stripe_customer_id, sync_status=SyncStatus.IMPORTING)
    try:
        queue_import(account.account_id)
    except Exception:
        # The account exists; its history can be imported again with a resync.
        logger.exception("import not queued", extra={"account": account.account_id})
        set_sync_status(account.account_id, SyncStatus.FAILED)
        account.sync_status = SyncStatus.FAILED
    return account


def create_account(new: NewAccount, stripe_customer_id: str, *, sync_status: str) -> AccountModel:
    """Writes the account, its claim on the Stripe customer and its territory memberships in
    one transaction: an existing account, or a customer another account has, writes nothing."""
    now = utc_now()
    territories = sorted(set(new.territories))
    account = AccountModel(
        new.account_id,
        email=str(new.email),
        email_lower=normalised_email(new.email),
        name=new.name,
        status=ACTIVE,
        stripe_customer_id=stripe_customer_id,
        territories=territories,
        lead_count=0,
        created_at=now,
        updated_at=now,
        sync_status=sync_status,
        last_synced_at=now if sync_status == SyncStatus.CURRENT else None,
    )
    claim = StripeCustomerModel(stripe_customer_id, account_id=new.account_id)
    try:
        with transaction() as write:
            write.save(account, condition=AccountModel.account_id.does_not_exist())
            write.save(claim, condition=StripeCustomerModel.stripe_customer_id.does_not_exist())
            for territory in territories:
                write.save(TerritoryAgentModel(territory, new.account_id))
    except TransactWriteError as error:
        if transaction_condition_failed(error, item=0):
            raise Conflict(f"Account {new.account_id} already exists.") from None
        if transaction_condition_failed(error, item=1):
            raise StripeCustomerInUse(
                f"Stripe customer {stripe_customer_id} belongs to another account."
            ) from None
        raise
    return account


def account_exists(account_id: str) -> bool:
    try:
        AccountModel.get(account_id, attributes_to_get=["account_id"])
    except AccountModel.DoesNotExist:
        return False
    return True
