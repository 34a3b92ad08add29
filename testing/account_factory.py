"""Accounts written straight into the read model, the way the real paths leave them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.data.tables.accounts import ACTIVE, AccountModel


def saved_customer_account(prefix: str = "agent") -> tuple[str, str]:
    """An active account with a (made-up) Stripe customer id: (account_id, customer_id)."""
    account_id, customer_id = f"{prefix}-{uuid.uuid4().hex[:10]}", f"cus_{uuid.uuid4().hex[:14]}"
    now = datetime.now(UTC)
    AccountModel(
        account_id,
        email=f"{account_id}@example.com",
        name="Webhook Test",
        status=ACTIVE,
        stripe_customer_id=customer_id,
        created_at=now,
        updated_at=now,
    ).save()
    return account_id, customer_id
