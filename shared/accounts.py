"""Accounts: the agent's summary, and account creation by support."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.exceptions import TransactWriteError

from shared.errors import Conflict
from shared.models import ACTIVE, AccountModel, InvoiceModel, TerritoryAgentModel, transaction
from shared.timeutil import utc_now

OUTSTANDING_INVOICE_STATUSES = frozenset({"open", "uncollectible"})

# A territory is a postal code or similar area id; ids are plain printable text.
Territory = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")
]
PrintableText = r"^[^\x00-\x1f\x7f]+$"


class CardView(BaseModel):
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class Money(BaseModel):
    amount: int
    currency: str


class AccountView(BaseModel):
    account_id: str
    email: str
    name: str
    status: Literal["active", "cancellation_requested", "cancelled"]
    subscription_status: str | None
    card: CardView | None
    balance_due: Money
    open_invoice_count: int
    lead_count: int
    territories: list[str]
    stripe_customer_id: str | None


class NewAccount(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    account_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
    email: str = Field(
        pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$", max_length=254
    )
    name: str = Field(min_length=1, max_length=200, pattern=PrintableText)
    territories: list[Territory] = Field(default_factory=list, max_length=90)
    stripe_customer_id: str | None = Field(default=None, pattern=r"^cus_[A-Za-z0-9]+$")


def card_view(account: AccountModel) -> CardView | None:
    if account.card is None:
        return None
    return CardView(
        brand=account.card.brand,
        last4=account.card.last4,
        exp_month=int(account.card.exp_month),
        exp_year=int(account.card.exp_year),
    )


def outstanding_invoices(account_id: str) -> list[InvoiceModel]:
    return [
        invoice
        for invoice in InvoiceModel.query(account_id)
        if invoice.status in OUTSTANDING_INVOICE_STATUSES and invoice.amount_remaining > 0
    ]


def account_view(account: AccountModel) -> AccountView:
    outstanding = outstanding_invoices(account.account_id)
    currency = outstanding[0].currency if outstanding else "usd"
    return AccountView(
        account_id=account.account_id,
        email=account.email,
        name=account.name,
        status=account.status,
        subscription_status=account.subscription_status,
        card=card_view(account),
        balance_due=Money(
            amount=sum(int(invoice.amount_remaining) for invoice in outstanding),
            currency=currency,
        ),
        open_invoice_count=len(outstanding),
        lead_count=int(account.lead_count),
        territories=list(account.territories or []),
        stripe_customer_id=account.stripe_customer_id,
    )


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
        if error.cause_response_code == "TransactionCanceledException":
            raise Conflict(f"Account {new.account_id} already exists.") from None
        raise
    return account


def account_exists(account_id: str) -> bool:
    try:
        AccountModel.get(account_id, attributes_to_get=["account_id"])
    except AccountModel.DoesNotExist:
        return False
    return True
