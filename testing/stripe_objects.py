"""Stripe API objects as the current API version returns them: invoice, subscription, card
payment method, customer and setup intent, each with the fields our sync reads and the ones
real payloads carry besides.

An invoice has no `charge`/`payment_intent` (its subscription is under
`parent.subscription_details`, taxes under `total_taxes`). Ids are random unless given;
`SAMPLE_TIME` is the fixed moment the committed samples in events/ are about."""

from __future__ import annotations

import uuid
from typing import Any

SAMPLE_TIME = 1795910400  # 2026-11-29T00:00:00Z


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:14]}"


def invoice_object(
    *,
    invoice_id: str | None = None,
    customer: str = "cus_sample0000001",
    subscription: str | None = "sub_sample0000001",
    status: str = "open",
    created: int = SAMPLE_TIME,
    amount_due: int = 29900,
    attempt_count: int = 0,
    number: str | None = "A1B2C3D4-0001",
    currency: str = "usd",
    **overrides: Any,
) -> dict[str, Any]:
    paid = status == "paid"
    amount_paid = amount_due if paid else 0
    invoice: dict[str, Any] = {
        "id": invoice_id or new_id("in"),
        "object": "invoice",
        "account_country": "US",
        "account_name": "Predictive Leads Inc.",
        "amount_due": amount_due,
        "amount_overpaid": 0,
        "amount_paid": amount_paid,
        "amount_remaining": 0 if status in ("paid", "void") else amount_due - amount_paid,
        "amount_shipping": 0,
        "attempt_count": attempt_count,
        "attempted": attempt_count > 0,
        "auto_advance": status in ("draft", "open"),
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_reason": "subscription_cycle" if subscription else "manual",
        "collection_method": "charge_automatically",
        "created": created,
        "currency": currency,
        "customer": customer,
        "customer_email": "agent@example.com",
        "customer_name": "Dana Demo",
        "default_payment_method": None,
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None if status == "draft" else created + 3600,
        "ending_balance": None if status == "draft" else 0,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": amount_due,
                    "currency": currency,
                    "description": "1 \u00d7 Predictive Seller Leads - Pro (at $299.00 / month)",
                    "period": {"start": created, "end": created + 30 * 86400},
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": "price_pro", "product": "prod_pro"},
                        "unit_amount_decimal": str(amount_due),
                    },
                    "quantity": 1,
                }
            ],
            "has_more": False,
            "total_count": 1,
            "url": "/v1/invoices/in_x/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": created + 3600 if status in ("draft", "open") else None,
        "number": None if status == "draft" else number,
        "parent": (
            {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"metadata": {}, "subscription": subscription},
            }
            if subscription
            else None
        ),
        "period_end": created,
        "period_start": created - 30 * 86400,
        "receipt_number": None,
        "starting_balance": 0,
        "status": status,
        "status_transitions": {
            "finalized_at": None if status == "draft" else created + 3600,
            "marked_uncollectible_at": None,
            "paid_at": created + 7200 if paid else None,
            "voided_at": None,
        },
        "subtotal": amount_due,
        "subtotal_excluding_tax": amount_due,
        "total": amount_due,
        "total_discount_amounts": [],
        "total_excluding_tax": amount_due,
        "total_taxes": [],
        "webhooks_delivered_at": created,
    }
    invoice["lines"]["url"] = f"/v1/invoices/{invoice['id']}/lines"
    invoice["lines"]["data"][0]["id"] = "il_" + invoice["id"].removeprefix("in_")
    invoice.update(overrides)
    return invoice


def subscription_object(
    *,
    subscription_id: str | None = None,
    customer: str = "cus_sample0000001",
    status: str = "active",
    created: int = SAMPLE_TIME,
) -> dict[str, Any]:
    subscription_id = subscription_id or new_id("sub")
    return {
        "id": subscription_id,
        "object": "subscription",
        "billing_cycle_anchor": created,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": created + 60 if status == "canceled" else None,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": "usd",
        "customer": customer,
        "default_payment_method": None,
        "ended_at": created + 60 if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_" + subscription_id.removeprefix("sub_"),
                    "object": "subscription_item",
                    "current_period_start": created,
                    "current_period_end": created + 30 * 86400,
                    "price": {"id": "price_pro", "unit_amount": 29900, "currency": "usd"},
                    "quantity": 1,
                }
            ],
            "has_more": False,
        },
        "latest_invoice": "in_" + subscription_id.removeprefix("sub_"),
        "livemode": False,
        "metadata": {},
        "start_date": created,
        "status": status,
    }


def card_payment_method(
    *,
    payment_method_id: str | None = None,
    customer: str | None = "cus_sample0000001",
    brand: str = "visa",
    last4: str = "4242",
    exp_month: int = 12,
    exp_year: int = 2030,
) -> dict[str, Any]:
    return {
        "id": payment_method_id or new_id("pm"),
        "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {
            "brand": brand,
            "checks": {"cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "funding": "credit",
            "last4": last4,
            "networks": {"available": [brand], "preferred": None},
        },
        "created": SAMPLE_TIME,
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def customer_object(
    *,
    customer_id: str = "cus_sample0000001",
    default_payment_method: str | None = None,
) -> dict[str, Any]:
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": SAMPLE_TIME - 86400,
        "currency": "usd",
        "delinquent": False,
        "description": None,
        "email": "agent@example.com",
        "invoice_prefix": "A1B2C3D4",
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": default_payment_method,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {"account_id": "agent-demo"},
        "name": "Dana Demo",
        "preferred_locales": [],
    }


def setup_intent_object(
    *, customer: str = "cus_sample0000001", payment_method: str = "pm_sample0000001"
) -> dict[str, Any]:
    return {
        "id": "seti_" + payment_method.removeprefix("pm_"),
        "object": "setup_intent",
        "client_secret": "seti_secret_redacted",
        "created": SAMPLE_TIME,
        "customer": customer,
        "livemode": False,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "status": "succeeded",
        "usage": "off_session",
    }
