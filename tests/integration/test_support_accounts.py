"""Support's account lookup through the local gateway: by email (an index Query, case-insensitive,
exact), one account as its agent sees it, and that agent's invoices with their download links
(the agent's own list rules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from moto.dynamodb.responses import DynamoHandler

from testing.api_client import Api
from testing.invoice_factory import BASE_TIME, build_invoice, save_invoice, save_invoices

ACCOUNTS = "/v1/support/accounts"


def tag() -> str:
    return uuid.uuid4().hex[:8]


@contextmanager
def dynamodb_reads() -> Iterator[list[tuple[str, str, str | None]]]:
    """Every Query and Scan the local DynamoDB answers meanwhile: (operation, table, index)."""
    seen: list[tuple[str, str, str | None]] = []
    originals = {name: getattr(DynamoHandler, name) for name in ("query", "scan")}

    def recording(name: str, original: Any) -> Any:
        def read(handler: DynamoHandler) -> Any:
            body = handler.body
            seen.append((name, str(body.get("TableName")), body.get("IndexName")))
            return original(handler)

        return read

    for name, original in originals.items():
        setattr(DynamoHandler, name, recording(name, original))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(DynamoHandler, name, original)


def account_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [account["account_id"] for account in response.json()["accounts"]]


# ----------------------------------------------------------------------------- by email


def test_lookup_by_email_ignores_case_and_is_otherwise_exact(support_api, new_agent):
    # Given an agent whose address was typed with capitals
    email = f"Dana.{tag()}+Leads@Example.COM"
    agent_id, _ = new_agent(email=email, name="Dana Reyes")

    # When support looks it up in any case, or by an address that only resembles it
    found = [
        account_ids(support_api.get(ACCOUNTS, params={"email": query}))
        for query in (email, email.lower(), email.upper())
    ]
    near_misses = [
        account_ids(support_api.get(ACCOUNTS, params={"email": query}))
        for query in (email.replace("+Leads", ""), f"x{email}", f"{email}.org")
    ]

    # Then every spelling finds exactly that account, as stored; no look-alike finds it
    assert found == [[agent_id]] * 3
    account = support_api.get(ACCOUNTS, params={"email": email.upper()}).json()["accounts"][0]
    assert account["email"] == email
    assert account["name"] == "Dana Reyes"
    assert near_misses == [[], [], []]


def test_every_account_with_the_email_is_listed_by_account_id(support_api, new_agent):
    email = f"shared-{tag()}@example.com"
    second, _ = new_agent(account_id=f"agent-b-{tag()}", email=email)
    first, _ = new_agent(account_id=f"agent-a-{tag()}", email=email.upper())

    assert account_ids(support_api.get(ACCOUNTS, params={"email": email})) == [first, second]


def test_lookup_by_email_is_an_index_query_not_a_scan(stack, support_api, new_agent):
    email = f"indexed-{tag()}@example.com"
    agent_id, _ = new_agent(email=email)

    with dynamodb_reads() as reads:
        assert account_ids(support_api.get(ACCOUNTS, params={"email": email})) == [agent_id]

    assert not [read for read in reads if read[0] == "scan"]
    accounts_table = stack.environment["ACCOUNTS_TABLE"]
    assert ("query", accounts_table, "by_email") in reads


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"email": ""},
        {"email": "not-an-email"},
        {"email": "a\x01b@example.com"},
        {"email": "dana@exa\u202emple.com"},
        {"email": f"{'a' * 250}@example.com"},
    ],
    ids=["missing", "empty", "no-at", "control", "bidi", "too-long"],
)
def test_a_missing_or_malformed_email_is_400(support_api, params):
    response = support_api.get(ACCOUNTS, params=params)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["fields"][0]["field"] == "email"


# ----------------------------------------------------------------------------- one account


def test_support_sees_the_account_as_its_agent_does(support_api, new_agent):
    agent_id, agent = new_agent(["78701", "78702"], name="Ana Ortiz")
    save_invoice(agent_id, payment_status="failed", amount=12000)

    as_support = support_api.get(f"{ACCOUNTS}/{agent_id}")

    assert as_support.status_code == 200, as_support.text
    view = as_support.json()
    assert view == agent.get("/v1/account").json()
    assert view["territories"] == ["78701", "78702"]
    assert view["stripe_customer_id"].startswith("cus_")
    assert view["balance_due"] == {"amount": 12000, "currency": "usd"}
    assert view["open_invoice_count"] == 1


def test_an_unknown_account_is_404(support_api):
    response = support_api.get(f"{ACCOUNTS}/agent-nobody-{tag()}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# ----------------------------------------------------------------------------- its invoices


def invoices_of(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    return [invoice for page in api.pages(path, **params) for invoice in page["invoices"]]


def test_support_lists_an_agents_invoices_with_the_agents_rules(support_api, new_agent):
    # Given an agent with 25 invoices in several payment states
    agent_id, agent = new_agent()
    statuses = ["paid", "failed", "pending", "void", "uncollectible"]
    save_invoices(
        build_invoice(
            agent_id,
            created=BASE_TIME.replace(day=1 + n),
            payment_status=statuses[n % len(statuses)],
        )
        for n in range(25)
    )
    support_path = f"{ACCOUNTS}/{agent_id}/invoices"

    # Then support pages through the same invoices, in the same order, as the agent does
    everything = invoices_of(support_api, support_path, limit=7)
    assert everything == invoices_of(agent, "/v1/billing/invoices", limit=7)
    assert len(everything) == 25
    assert [i["created"] for i in everything] == sorted(
        (i["created"] for i in everything), reverse=True
    )
    failed = invoices_of(support_api, support_path, status="failed", limit=2)
    assert failed == invoices_of(agent, "/v1/billing/invoices", status="failed", limit=2)
    assert [i["payment_status"] for i in failed] == ["failed"] * 5
    first_page = support_api.get(support_path).json()
    assert len(first_page["invoices"]) == 20  # the agent's default limit


def test_invoices_of_an_unknown_account_are_404(support_api):
    response = support_api.get(f"{ACCOUNTS}/agent-nobody-{tag()}/invoices")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"status": "lost"}, {"cursor": "x" * 2049}],
)
def test_bad_invoice_queries_are_400(support_api, new_agent, params):
    agent_id, _ = new_agent()

    response = support_api.get(f"{ACCOUNTS}/{agent_id}/invoices", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_cursor_of_another_account_is_refused(support_api, new_agent):
    first_id, _ = new_agent()
    second_id, _ = new_agent()
    for account_id in (first_id, second_id):
        save_invoices(
            build_invoice(account_id, created=BASE_TIME.replace(day=1 + n)) for n in range(3)
        )
    cursor = support_api.get(f"{ACCOUNTS}/{first_id}/invoices", params={"limit": 1}).json()[
        "next_cursor"
    ]

    response = support_api.get(
        f"{ACCOUNTS}/{second_id}/invoices", params={"limit": 1, "cursor": cursor}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


# ----------------------------------------------------------------------------- download links


def test_support_downloads_an_agents_invoice_through_a_short_link(support_api, new_agent):
    agent_id, _ = new_agent()
    invoice = save_invoice(agent_id, payment_status="paid", number=f"SUP-{tag()}")

    response = support_api.get(f"{ACCOUNTS}/{agent_id}/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 200, response.text
    link = response.json()
    assert link["filename"] == f"invoice-{invoice.number}.pdf"
    signed = parse_qs(urlparse(link["url"]).query)
    assert int(signed["X-Amz-Expires"][0]) <= 300
    pdf = requests.get(link["url"], timeout=30)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]


def test_support_download_answers_404_for_an_invoice_of_another_account(support_api, new_agent):
    owner_id, _ = new_agent()
    other_id, _ = new_agent()
    invoice = save_invoice(owner_id, payment_status="paid")

    response = support_api.get(f"{ACCOUNTS}/{other_id}/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 404


def test_support_download_of_a_draft_is_409(support_api, new_agent):
    agent_id, _ = new_agent()
    draft = save_invoice(agent_id, payment_status="pending", status="draft")

    response = support_api.get(f"{ACCOUNTS}/{agent_id}/invoices/{draft.invoice_id}/download")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_not_finalized"


# ----------------------------------------------------------------------------- who may ask


def test_the_new_support_reads_are_for_support_only(stack, new_agent):
    agent_id, agent = new_agent()
    invoice = save_invoice(agent_id, payment_status="paid")
    paths = [
        f"{ACCOUNTS}?email={agent_id}@example.com",
        f"{ACCOUNTS}/{agent_id}",
        f"{ACCOUNTS}/{agent_id}/invoices",
        f"{ACCOUNTS}/{agent_id}/invoices/{invoice.invoice_id}/download",
    ]

    as_agent = [agent.get(path) for path in paths]
    anonymous = [Api(stack.api_url).get(path) for path in paths]

    assert [(r.status_code, r.json()["error"]["code"]) for r in as_agent] == [
        (403, "forbidden")
    ] * len(paths)
    assert [r.status_code for r in anonymous] == [401] * len(paths)
