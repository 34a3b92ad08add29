"""Demo data for `make dev`, created through the real doors: Stripe objects in localstripe with
the Stripe SDK, accounts and leads through our own support API. Invoices then reach DynamoDB the
way they do in production: by Stripe webhooks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import requests
import stripe

from local.stack import STRIPE_SECRET_KEY, LocalStack

DEMO_AGENT = "agent-demo"
SUPPORT_USER = "support-demo"
AGENTS: list[dict[str, Any]] = [
    {
        "account_id": DEMO_AGENT,
        "name": "Dana Demo",
        "email": "dana@example.com",
        "territories": ["78701", "78702"],
    },
    {
        "account_id": "agent-ana",
        "name": "Ana Alvarez",
        "email": "ana@example.com",
        "territories": ["78701", "78703"],
    },
    {
        "account_id": "agent-ben",
        "name": "Ben Brooks",
        "email": "ben@example.com",
        "territories": ["78702", "78703"],
    },
    {
        "account_id": "agent-cy",
        "name": "Cy Chen",
        "email": "cy@example.com",
        "territories": ["78701", "78702", "78704"],
    },
]
GOOD_CARD = "4242424242424242"
DECLINES_ON_CHARGE = "4000000000000341"


@dataclass
class SeedResult:
    agent_token: str
    support_token: str
    demo_customer_id: str


def stripe_for(stack: LocalStack) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": stack.stripe_url})


def attach_card(client: stripe.StripeClient, customer_id: str, number: str) -> str:
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer_id})
    client.v1.customers.update(
        customer_id, params={"invoice_settings": {"default_payment_method": method.id}}
    )
    return method.id


def monthly_plan(client: stripe.StripeClient, name: str, amount: int) -> str:
    product = client.v1.products.create(params={"name": name, "type": "service"})
    plan = client.v1.plans.create(
        params={"product": product.id, "amount": amount, "currency": "usd", "interval": "month"}
    )
    return plan.id


def subscribe(client: stripe.StripeClient, customer_id: str, plan_id: str) -> Any:
    return client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"plan": plan_id}]}
    )


def seed_demo(stack: LocalStack, *, lead_count: int = 300) -> SeedResult:
    support_token = stack.token(SUPPORT_USER, groups=["support"], email="support@example.com")
    headers = {"Authorization": f"Bearer {support_token}"}
    customers: dict[str, str] = {}
    for agent in AGENTS:
        response = requests.post(
            f"{stack.api_url}/v1/support/accounts", json=agent, headers=headers, timeout=30
        )
        response.raise_for_status()
        customers[agent["account_id"]] = response.json()["stripe_customer_id"]

    client = stripe_for(stack)
    demo_customer = customers[DEMO_AGENT]
    # A paid month on a good card, then an add-on whose charge the bank declines.
    attach_card(client, demo_customer, GOOD_CARD)
    subscribe(client, demo_customer, monthly_plan(client, "Predictive Seller Leads - Pro", 29900))
    attach_card(client, demo_customer, DECLINES_ON_CHARGE)
    subscribe(client, demo_customer, monthly_plan(client, "Extra territory 78702", 9900))

    rng = random.Random(7)
    leads = []
    for index in range(lead_count):
        agent = AGENTS[index % len(AGENTS)] if index % 3 else AGENTS[0]
        territory = rng.choice(agent["territories"])
        leads.append(
            {
                "lead_id": f"lead-{index:04d}",
                "territory": territory,
                "assigned_agent_id": agent["account_id"],
                "address": f"{100 + index} Demo St, Austin, TX {territory}",
                "score": round(rng.uniform(0.5, 0.99), 2),
            }
        )
    for start in range(0, len(leads), 500):
        requests.post(
            f"{stack.api_url}/v1/support/leads",
            json={"leads": leads[start : start + 500]},
            headers=headers,
            timeout=120,
        ).raise_for_status()

    agent_token = stack.token(DEMO_AGENT, email="dana@example.com")
    return SeedResult(
        agent_token=agent_token, support_token=support_token, demo_customer_id=demo_customer
    )
