"""Accounts written straight into the read model, the way the real paths leave them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.data.tables.accounts import ACTIVE, AccountModel


def save_account(account_id: str, *, name: str, **fields: Any) -> AccountModel:
    """An active account saved as is (email `<account_id>@example.com` unless given)."""
    now = datetime.now(UTC)
    account = AccountModel(
        account_id,
        **{
            "email": f"{account_id}@example.com",
            "name": name,
            "status": ACTIVE,
            "created_at": now,
            "updated_at": now,
            **fields,
        },
    )
    account.save()
    return account


def saved_customer_account(prefix: str = "agent") -> tuple[str, str]:
    """An active account with a (made-up) Stripe customer id: (account_id, customer_id)."""
    account_id, customer_id = f"{prefix}-{uuid.uuid4().hex[:10]}", f"cus_{uuid.uuid4().hex[:14]}"
    save_account(account_id, name="Webhook Test", stripe_customer_id=customer_id)
    return account_id, customer_id
