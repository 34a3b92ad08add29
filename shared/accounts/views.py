"""Accounts, the read side: the agent's summary as the API returns it.

The views are TypedDicts, not pydantic models: the account function answers without loading
pydantic (a third of its cold-start floor). Creation lives in `shared.accounts.creation`."""

from __future__ import annotations

from typing import Literal, TypedDict, cast

from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.errors import NotFound
from shared.timeutil import iso

OUTSTANDING_INVOICE_STATUSES = frozenset({"open", "uncollectible"})
AccountStatus = Literal["active", "cancellation_requested", "cancelled"]


class CardView(TypedDict):
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class CardEnvelope(TypedDict):
    card: CardView | None


class Money(TypedDict):
    amount: int
    currency: str


class StripeSyncView(TypedDict):
    status: str
    last_synced_at: str | None


class AccountView(TypedDict):
    account_id: str
    email: str
    name: str
    status: AccountStatus
    subscription_status: str | None
    card: CardView | None
    balance_due: Money
    open_invoice_count: int
    lead_count: int
    territories: list[str]
    stripe_customer_id: str | None
    stripe_sync: StripeSyncView


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
        # The data layer writes only these three (shared.data.tables.accounts ACTIVE, ...).
        status=cast(AccountStatus, account.status),
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
        stripe_sync=stripe_sync_view(account),
    )


def stripe_sync_view(account: AccountModel) -> StripeSyncView:
    """How the account's read model stands against Stripe (API.md, "Keeping in step"). An
    account from before imports existed has been kept current by webhooks alone."""
    synced = account.last_synced_at
    return StripeSyncView(
        status=account.sync_status or "current",
        last_synced_at=iso(synced) if synced else None,
    )


# ---------------------------------------------------------------- support's lookups

# More accounts than this under one address would be a data problem; the lookup stays bounded.
MAX_ACCOUNTS_PER_EMAIL = 50


class AccountList(TypedDict):
    accounts: list[AccountView]


def normalised_email(email: str) -> str:
    """The by_email index key, written with the account: addresses compare ignoring case (and
    otherwise exactly), as mail systems treat them in practice."""
    return email.strip().lower()


def accounts_with_email(email: str) -> AccountList:
    """Every account with this email, ignoring case: a Query on the by_email index."""
    matches = AccountModel.by_email.query(normalised_email(email), limit=MAX_ACCOUNTS_PER_EMAIL)
    accounts = sorted(matches, key=lambda account: account.account_id)
    return AccountList(accounts=[account_view(account) for account in accounts])


def find_account(account_id: str) -> AccountModel:
    """Support's view of one account (any account: support is not limited to its own)."""
    try:
        return AccountModel.get(account_id, consistent_read=True)
    except AccountModel.DoesNotExist:
        raise NotFound(f"No account {account_id[:128]}.") from None
