"""The probe's passing categories, kept as regression tests against the running stack:
tokens, roles and groups, cross-account isolation (BOLA), cursors, webhook signatures,
concurrency, and the headers of every JSON answer."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from local.dev_tokens import issue_token
from shared.data.tables.invoices import InvoiceModel
from testing.api_client import Api
from testing.invoice_factory import BASE_TIME, save_invoice


def _forged_tokens(stack, subject: str) -> dict[str, str]:
    good = stack.token(subject)
    header, payload, _ = good.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    other_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return {
        "garbage": "not.a.jwt",
        "alg-none": f"{none_header}.{payload}.",
        "payload-swapped": f"{header}.{other_payload}.{good.split('.')[2]}",
        "wrong-secret": issue_token("not-the-secret-but-as-long-as-one", subject),
        "expired": stack.token(subject, ttl_seconds=-60),
        "empty": "",
    }


@pytest.mark.parametrize(
    "kind", ["garbage", "alg-none", "payload-swapped", "wrong-secret", "expired", "empty"]
)
def test_every_bad_token_is_401(stack, new_agent, kind):
    account_id, _ = new_agent()
    token = _forged_tokens(stack, account_id)[kind]
    response = Api(stack.api_url).get("/v1/account", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "groups", [["admin,support"], ["Support"], ["supports"], ["admin"], ["support-readonly"]]
)
def test_only_the_exact_support_group_opens_support_routes(stack, groups):
    api = Api(stack.api_url, stack.token("staff-x", groups=groups))
    response = api.get("/v1/support/tickets")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_support_staff_without_an_account_are_not_agents(stack):
    api = Api(stack.api_url, stack.token("staff-y", groups=["support"]))
    assert api.get("/v1/billing/invoices").status_code == 403


def test_another_accounts_ids_are_404(new_agent):
    owner_id, owner = new_agent()
    _, intruder = new_agent()
    invoice = save_invoice(owner_id, payment_status="failed")
    ticket = owner.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "acknowledge_consequences": True},
    ).json()

    answers = [
        intruder.get(f"/v1/billing/invoices/{invoice.invoice_id}"),
        intruder.get(f"/v1/billing/invoices/{invoice.invoice_id}/download"),
        intruder.delete(f"/v1/account/cancellation-tickets/{ticket['id']}"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert owner.get(f"/v1/billing/invoices/{invoice.invoice_id}").status_code == 200
    assert owner.get("/v1/account/cancellation-tickets").json()["tickets"][0]["status"] == "open"
    assert InvoiceModel.get(owner_id, invoice.invoice_key).payment_status == "failed"


def test_a_cursor_is_bound_to_its_account(new_agent):
    owner_id, owner = new_agent()
    _, intruder = new_agent()
    for day in range(3):
        save_invoice(owner_id, created=BASE_TIME + timedelta(days=day))
    cursor = owner.get("/v1/billing/invoices", params={"limit": 1}).json()["next_cursor"]
    assert cursor

    foreign = intruder.get("/v1/billing/invoices", params={"limit": 1, "cursor": cursor})
    tampered = owner.get("/v1/billing/invoices", params={"limit": 1, "cursor": cursor[:-2] + "AA"})

    assert foreign.json()["error"]["code"] == "invalid_cursor"
    assert tampered.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "signature",
    [None, "t=1,v1=deadbeef", f"t={int(time.time()) - 3600},v1=" + "0" * 64, "garbage"],
)
def test_unsigned_or_badly_signed_webhooks_are_400_and_not_queued(stack, signature):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    body = json.dumps(
        {"id": "evt_forged", "type": "invoice.paid", "created": 1, "data": {"object": {}}}
    )
    response = Api(stack.api_url).post("/v1/webhooks/stripe", data=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"


def test_concurrent_ticket_opens_create_exactly_one(new_agent):
    _, agent = new_agent()

    def open_ticket(_: int) -> int:
        response = agent.post(
            "/v1/account/cancellation-tickets",
            json={"reason": "other", "acknowledge_consequences": True},
        )
        return int(response.status_code)

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(open_ticket, range(10)))

    assert statuses == [201] + [409] * 9
    assert len(agent.get("/v1/account/cancellation-tickets").json()["tickets"]) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/health"),
        ("GET", "/v1/account"),
        ("GET", "/v1/billing/invoices"),
        ("GET", "/v1/nothing-here"),
        ("PUT", "/v1/billing/card"),
    ],
)
def test_every_json_answer_carries_no_store_and_nosniff(new_agent, method, path):
    _, agent = new_agent()
    response = agent.request(method, path, json={"card_number": "4242424242424242"})
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
