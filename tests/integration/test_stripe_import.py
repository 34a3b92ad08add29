"""Import on provisioning (API.md, "Keeping in step with Stripe"): an account created for a
customer who already pays through Stripe shows its whole history at once, without waiting
for any event; a customer is never shared by two accounts, and must exist."""

from __future__ import annotations

import uuid
from typing import Any

from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from testing.api_client import Api
from testing.stripe_customers import customer_with_history, status_counts
from testing.waiting import eventually


def provision(support_api: Api, customer_id: str, **fields: Any) -> tuple[str, Any]:
    account_id = fields.pop("account_id", f"agent-{uuid.uuid4().hex[:10]}")
    response = support_api.post(
        "/v1/support/accounts",
        json={
            "account_id": account_id,
            "email": f"{account_id}@example.com",
            "name": "Launch Day Agent",
            "territories": ["78701"],
            "stripe_customer_id": customer_id,
        },
    )
    return account_id, response


def all_invoices(agent: Api) -> list[dict[str, Any]]:
    pages = agent.pages("/v1/billing/invoices", limit=100)
    return [invoice for page in pages for invoice in page["invoices"]]


def current_sync(agent: Api) -> dict[str, Any] | None:
    account = agent.get("/v1/account").json()
    return account if account["stripe_sync"]["status"] != "importing" else None


def test_a_customer_with_250_invoices_shows_all_250_at_once(stack, support_api, stripe_client):
    history = customer_with_history(stripe_client, invoices=250)
    expected = history.statuses(stripe_client)

    account_id, response = provision(support_api, history.customer_id)

    assert response.status_code == 201, response.text
    assert response.json()["stripe_sync"]["status"] == "importing"
    agent = Api(stack.api_url, stack.token(account_id))
    account = eventually(lambda: current_sync(agent), timeout=120)
    assert account["stripe_sync"]["status"] == "current"
    assert account["stripe_sync"]["last_synced_at"]
    assert account["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}
    assert account["subscription_status"] == "active"
    invoices = all_invoices(agent)
    assert len(invoices) == 250
    assert {item["id"]: item["status"] for item in invoices} == expected
    assert status_counts(expected) == status_counts({i["id"]: i["status"] for i in invoices})
    paid = [item for item in invoices if item["status"] == "paid"]
    assert paid
    assert all(item["payment_status"] == "paid" for item in paid)

    # Their PDFs were queued (ten invoices to a message) and the renderer made every one
    final = {item["id"] for item in invoices if item["status"] != "draft"}
    assert eventually(lambda: rendered_ids(account_id) == final or None, timeout=120)


def rendered_ids(account_id: str) -> set[str]:
    cached_settings()
    stored = InvoiceModel.query(account_id, consistent_read=True)
    return {invoice.invoice_id for invoice in stored if invoice.pdf_key}


def test_an_unknown_stripe_customer_is_400_and_creates_nothing(stack, support_api):
    account_id, response = provision(support_api, "cus_doesnotexist123")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_stripe_customer"
    assert Api(stack.api_url, stack.token(account_id)).get("/v1/account").status_code == 403


def test_a_customer_belongs_to_one_account_only(stack, support_api, stripe_client):
    history = customer_with_history(stripe_client, invoices=1)
    _first_id, first = provision(support_api, history.customer_id)
    assert first.status_code == 201, first.text

    second_id, second = provision(support_api, history.customer_id)

    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stripe_customer_in_use"
    assert Api(stack.api_url, stack.token(second_id)).get("/v1/account").status_code == 403


def test_an_account_with_a_new_customer_is_current_at_once(new_agent):
    _, agent = new_agent()
    sync = agent.get("/v1/account").json()["stripe_sync"]
    assert sync["status"] == "current"
    assert sync["last_synced_at"]
