"""Account creation by support: the request body it validates and the one transaction it writes.

Kept apart from `shared.accounts.views` (the read side) so the account function's request path never
loads pydantic; only functions that validate a body pay for it."""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.exceptions import TransactWriteError

from shared.data.conditions import transaction_condition_failed
from shared.data.models import ACTIVE, AccountModel, TerritoryAgentModel, transaction
from shared.errors import Conflict
from shared.http.text import EMAIL_PATTERN, ID_PATTERN, SINGLE_LINE_TEXT, TERRITORY_PATTERN
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


class CustomerCreator(Protocol):
    def create_customer(self, *, email: str, name: str, account_id: str) -> str: ...


def provision_account(new: NewAccount, stripe: CustomerCreator) -> AccountModel:
    """Support's "create an agent account": the given Stripe customer, or a new one."""
    if account_exists(new.account_id):
        # Checked before Stripe is asked for a customer, so a repeated request creates none.
        raise Conflict(f"Account {new.account_id} already exists.")
    customer_id = new.stripe_customer_id or stripe.create_customer(
        email=new.email, name=new.name, account_id=new.account_id
    )
    return create_account(new, customer_id)


def create_account(new: NewAccount, stripe_customer_id: str) -> AccountModel:
    """Writes the account and its territory memberships in one transaction."""
    now = utc_now()
    territories = sorted(set(new.territories))
    account = AccountModel(
        new.account_id,
        email=str(new.email),
        name=new.name,
        status=ACTIVE,
        stripe_customer_id=stripe_customer_id,
        territories=territories,
        lead_count=0,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction() as write:
            write.save(account, condition=AccountModel.account_id.does_not_exist())
            for territory in territories:
                write.save(TerritoryAgentModel(territory, new.account_id))
    except TransactWriteError as error:
        if transaction_condition_failed(error, item=0):
            raise Conflict(f"Account {new.account_id} already exists.") from None
        raise
    return account


def account_exists(account_id: str) -> bool:
    try:
        AccountModel.get(account_id, attributes_to_get=["account_id"])
    except AccountModel.DoesNotExist:
        return False
    return True
