"""Load: 200 concurrent agent requests and 200 concurrent Stripe webhook deliveries (each event
delivered 4 times) against the local stack, over HTTP: zero 5xx, zero lost or doubled effects.

The local gateway runs each function one request at a time (one Lambda container each), so
requests to one function queue up while different functions run side by side; every request is
still bounded by a client timeout, and a request that times out or loses its connection counts
as lost. Every answer is checked against its own sender: a request must be served for its
caller's token and body even while other functions handle other agents' requests at the same
moment. Waiting for the Stripe events consumer is a bounded poll: no assertion is about time."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import requests

from local.resources import aws_client
from local.stack import LocalStack
from shared.data.tables.accounts import AccountModel
from shared.data.tables.invoices import InvoiceModel
from shared.data.tables.tickets import TicketModel
from shared.data.tables.webhook_events import WebhookEventModel
from shared.runtime import cached_settings
from testing.api_client import Api
from testing.invoice_factory import BASE_TIME, PAYMENT_STATUSES, build_invoice, save_invoices
from testing.stripe_objects import SAMPLE_TIME, invoice_object
from testing.webhook_events import signature_header, stripe_event

AGENTS = 10
WORKERS = 50
REQUEST_TIMEOUT = 30.0  # seconds, per request
INVOICES_PER_AGENT = 5
LEADS_PER_AGENT = 3
TICKET_ATTEMPTS_PER_AGENT = 4
DISTINCT_EVENTS = 50
DELIVERIES_PER_EVENT = 4
CONSUMER_DEADLINE = 90.0  # seconds; a bound on the wait, not an assertion about speed

TICKETS = "/v1/account/cancellation-tickets"
TICKET_BODY = {"reason": "too_expensive", "comment": "Load test.", "acknowledge_consequences": True}

# (event type, Stripe invoice status, payment_status the read model must show)
WEBHOOK_KINDS = (
    ("invoice.paid", "paid", "paid"),
    ("invoice.finalized", "open", "pending"),
    ("invoice.voided", "void", "void"),
)


@pytest.fixture(autouse=True)
def data_layer(stack: LocalStack) -> None:
    cached_settings()


# ------------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class Call:
    """One request to send: who sends it, what it is, and what kind of check it gets."""

    kind: str
    group: int  # the sending agent's index (agent calls) or the event's (webhook deliveries)
    method: str
    path: str
    token: str | None = None
    body: dict[str, Any] | None = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    call: Call
    status: int | None  # None: no answer (timeout, connection error)
    body: Any
    error: str | None = None

    def describe(self) -> str:
        text = self.error or json.dumps(self.body)[:3000]
        return f"{self.call.method} {self.call.path} [{self.call.kind}] -> {self.status}: {text}"


class Sender:
    """Sends calls from a bounded pool; one keep-alive session per worker thread."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, call: Call) -> Answer:
        headers = dict(call.headers)
        if call.token:
            headers["Authorization"] = f"Bearer {call.token}"
        try:
            response = self._session().request(
                call.method,
                f"{self.base_url}{call.path}",
                headers=headers,
                json=call.body,
                data=call.raw,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as error:
            return Answer(call, None, None, f"{type(error).__name__}: {error}")
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Answer(call, response.status_code, body)

    def send_all(self, calls: list[Call]) -> list[Answer]:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = [pool.submit(self.send, call) for call in calls]  # all submitted at once
            return [future.result() for future in futures]


def assert_no_lost_and_no_5xx(answers: list[Answer], expected: int) -> None:
    assert len(answers) == expected
    lost = [answer.describe() for answer in answers if answer.status is None]
    server_errors = [
        answer.describe() for answer in answers if answer.status and answer.status >= 500
    ]
    assert lost == [], f"{len(lost)} requests got no answer:\n" + "\n".join(lost)
    assert server_errors == [], f"{len(server_errors)} 5xx answers:\n" + "\n".join(server_errors)


@dataclass
class Agent:
    account_id: str
    token: str
    api: Api
    customer_id: str
    invoice_ids: list[str] = field(default_factory=list)  # newest first
    payment_statuses: dict[str, str] = field(default_factory=dict)  # invoice id -> status


def create_agents(stack: LocalStack, support_api: Api, count: int) -> list[Agent]:
    agents = []
    for _ in range(count):
        account_id = f"agent-load-{uuid.uuid4().hex[:10]}"
        response = support_api.post(
            "/v1/support/accounts",
            json={
                "account_id": account_id,
                "email": f"{account_id}@example.com",
                "name": "Load Agent",
                "territories": [f"L{uuid.uuid4().hex[:8]}"],
            },
        )
        assert response.status_code == 201, response.text
        customer_id = AccountModel.get(account_id).stripe_customer_id
        assert customer_id, f"{account_id} has no Stripe customer"
        token = stack.token(account_id)
        agents.append(Agent(account_id, token, Api(stack.api_url, token), customer_id))
    return agents


def invoice_summary(agent: Agent) -> list[tuple[Any, ...]]:
    """The agent's invoices (one page of up to 100 holds them all), in order, without PDF
    availability (a download renders the PDF: that is a legitimate effect of a read)."""
    response = agent.api.get("/v1/billing/invoices", params={"limit": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return [
        (
            invoice["id"],
            invoice["status"],
            invoice["payment_status"],
            invoice["amount_due"],
            invoice["amount_paid"],
            invoice["amount_remaining"],
        )
        for invoice in body["invoices"]
    ]


def poll(read: Callable[[], tuple[bool, str]], deadline_seconds: float) -> None:
    """Polls until `read` says done; fails with its last report when the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        done, report = read()
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {deadline_seconds:.0f}s: {report}")
        time.sleep(0.5)


# ------------------------------------------------------------------ 200 agent requests


def agent_calls(agents: list[Agent]) -> list[Call]:
    """20 calls per agent over every agent route (reads, a download, a SetupIntent, and
    several ticket attempts), one of them a lookup of another agent's invoice."""
    calls: list[Call] = []
    for index, agent in enumerate(agents):
        other = agents[(index + 1) % len(agents)]
        invoices = "/v1/billing/invoices"
        specs: list[tuple[str, str, str, dict[str, Any] | None]] = [
            *[("account", "GET", "/v1/account", None)] * 3,
            *[("invoices", "GET", f"{invoices}?limit=100", None)] * 2,
            ("invoices_failed", "GET", f"{invoices}?status=failed", None),
            *[("invoice", "GET", f"{invoices}/{i}", None) for i in agent.invoice_ids[:3]],
            ("foreign_invoice", "GET", f"{invoices}/{other.invoice_ids[0]}", None),
            ("download", "GET", f"{invoices}/{agent.invoice_ids[0]}/download", None),
            *[("card", "GET", "/v1/billing/card", None)] * 2,
            ("setup_intent", "POST", "/v1/billing/setup-intents", None),
            *[("tickets", "GET", TICKETS, None)] * 2,
            *[("open_ticket", "POST", TICKETS, TICKET_BODY)] * TICKET_ATTEMPTS_PER_AGENT,
        ]
        calls += [
            Call(kind, index, method, path, token=agent.token, body=body)
            for kind, method, path, body in specs
        ]
    return calls


EXPECTED_STATUS = {
    "account": 200,
    "invoices": 200,
    "invoices_failed": 200,
    "invoice": 200,
    "foreign_invoice": 404,
    "download": 200,
    "card": 200,
    "setup_intent": 201,
    "tickets": 200,
}


def check_read(answer: Answer, agent: Agent, expected_failed: list[str]) -> None:
    """A read's answer: the expected status, and the agent's own data in the body."""
    kind, body = answer.call.kind, answer.body
    checks: dict[str, Callable[[], bool]] = {
        "account": lambda: (
            body["account_id"] == agent.account_id
            and body["lead_count"] == LEADS_PER_AGENT
            and body["status"] in ("active", "cancellation_requested")
        ),
        "invoices": lambda: [i["id"] for i in body["invoices"]] == agent.invoice_ids,
        "invoices_failed": lambda: sorted(i["id"] for i in body["invoices"]) == expected_failed,
        "invoice": lambda: (
            answer.call.path.endswith(f"/{body['id']}")
            and body["payment_status"] == agent.payment_statuses[body["id"]]
        ),
        "foreign_invoice": lambda: body["error"]["code"] == "not_found",
        "download": lambda: body["url"].startswith("http") and body["filename"].endswith(".pdf"),
        "card": lambda: body == {"card": None},
        "setup_intent": lambda: body["id"].startswith("seti_"),
        "tickets": lambda: len(body["tickets"]) <= 1,
    }
    where = f"{answer.describe()}\n(sent by {agent.account_id}; its invoices {agent.invoice_ids})"
    assert answer.status == EXPECTED_STATUS[kind], where
    assert checks[kind](), where


def give_invoices_and_leads(agents: list[Agent], support_api: Api) -> None:
    """5 invoices each, straight into the read model, and 3 leads each through support."""
    invoices = []
    for agent in agents:
        written = [
            build_invoice(
                agent.account_id,
                created=BASE_TIME + timedelta(days=30 * number),
                payment_status=PAYMENT_STATUSES[number % len(PAYMENT_STATUSES)],
                stripe_customer_id=agent.customer_id,
            )
            for number in range(INVOICES_PER_AGENT)
        ]
        invoices += written
        agent.invoice_ids = [invoice.invoice_id for invoice in reversed(written)]
        agent.payment_statuses = {i.invoice_id: i.payment_status for i in written}
    save_invoices(invoices)
    leads = [
        {
            "lead_id": f"lead-load-{uuid.uuid4().hex[:12]}",
            "territory": "78701",
            "assigned_agent_id": agent.account_id,
            "address": "1 Load St",
            "score": 0.5,
        }
        for agent in agents
        for _ in range(LEADS_PER_AGENT)
    ]
    upserted = support_api.post("/v1/support/leads", json={"leads": leads})
    assert upserted.status_code == 200, upserted.text
    assert upserted.json() == {"upserted": AGENTS * LEADS_PER_AGENT}


def assert_one_open_ticket(agent: Agent, answers: list[Answer]) -> None:
    attempts = [a for a in answers if a.call.kind == "open_ticket"]
    assert len(attempts) == TICKET_ATTEMPTS_PER_AGENT
    created = [a for a in attempts if a.status == 201]
    assert len(created) == 1, [a.describe() for a in attempts]
    ticket_id = created[0].body["id"]
    assert created[0].body["status"] == "open", created[0].describe()
    for refused in (a for a in attempts if a.status != 201):
        assert refused.status == 409, refused.describe()
        assert refused.body["error"]["code"] == "ticket_already_open", refused.describe()
        assert refused.body["error"]["ticket_id"] == ticket_id, refused.describe()
    listed = agent.api.get(TICKETS)
    assert listed.status_code == 200, listed.text
    assert [(t["id"], t["status"]) for t in listed.json()["tickets"]] == [(ticket_id, "open")]
    stored = list(TicketModel.query(agent.account_id, consistent_read=True))
    assert [(t.ticket_id, t.status) for t in stored] == [(ticket_id, "open")]
    for seen in (a for a in answers if a.call.kind == "tickets" and a.body["tickets"]):
        assert seen.body["tickets"][0]["id"] == ticket_id, seen.describe()


def test_200_concurrent_agent_requests_answer_without_5xx_and_apply_each_effect_once(
    stack: LocalStack, support_api: Api
) -> None:
    # Given 10 agents, each with 5 invoices in the read model and 3 leads
    agents = create_agents(stack, support_api, AGENTS)
    give_invoices_and_leads(agents, support_api)
    before = {agent.account_id: invoice_summary(agent) for agent in agents}
    for agent in agents:
        assert [row[0] for row in before[agent.account_id]] == agent.invoice_ids

    # When 200 requests over the agent routes arrive at once, in random order
    calls = agent_calls(agents)
    assert len(calls) == 200
    random.Random(8).shuffle(calls)
    answers = Sender(stack.api_url).send_all(calls)

    # Then none is lost or a 5xx
    assert_no_lost_and_no_5xx(answers, 200)

    # And every read answered with the agent's own data
    by_agent: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_agent[answer.call.group].append(answer)
    failed_filter_matched = 0
    for index, agent in enumerate(agents):
        expected_failed = sorted(
            invoice_id
            for invoice_id, row in zip(agent.invoice_ids, before[agent.account_id], strict=True)
            if row[2] == "failed"
        )
        failed_filter_matched += len(expected_failed)
        for answer in by_agent[index]:
            if answer.call.kind != "open_ticket":
                check_read(answer, agent, expected_failed)
    assert failed_filter_matched  # the status filter was exercised on invoices that match it

    # And each agent got exactly one ticket: one 201, every other attempt a 409 naming it
    for index, agent in enumerate(agents):
        assert_one_open_ticket(agent, by_agent[index])

    # And the reads changed nothing: same invoices, same leads, the account only marked
    setup_ids = [a.body["id"] for a in answers if a.call.kind == "setup_intent"]
    assert len(set(setup_ids)) == AGENTS
    for agent in agents:
        assert invoice_summary(agent) == before[agent.account_id]
        account = agent.api.get("/v1/account").json()
        assert (account["status"], account["lead_count"]) == (
            "cancellation_requested",
            LEADS_PER_AGENT,
        )
        assert AccountModel.get(agent.account_id, consistent_read=True).lead_count == (
            LEADS_PER_AGENT
        )
        leads_page = support_api.get(
            f"/v1/support/accounts/{agent.account_id}/leads", params={"limit": 100}
        )
        assert leads_page.status_code == 200, leads_page.text
        assert len(leads_page.json()["leads"]) == LEADS_PER_AGENT


# ------------------------------------------------------- 200 webhook deliveries, duplicated


@dataclass(frozen=True)
class SentEvent:
    agent: Agent
    event_id: str
    event_type: str
    invoice_id: str
    status: str
    payment_status: str
    payload: str


def invoice_events(agents: list[Agent]) -> list[SentEvent]:
    sent = []
    for number in range(DISTINCT_EVENTS):
        agent = agents[number % len(agents)]
        event_type, status, payment_status = WEBHOOK_KINDS[number % len(WEBHOOK_KINDS)]
        invoice = invoice_object(
            customer=agent.customer_id,
            subscription=None,
            status=status,
            created=SAMPLE_TIME + number * 3600,
            number=f"LOAD-{number:04d}",
        )
        event = stripe_event(event_type, invoice)
        sent.append(
            SentEvent(
                agent,
                event["id"],
                event_type,
                invoice["id"],
                status,
                payment_status,
                json.dumps(event),
            )
        )
    return sent


def queue_is_drained(sqs: Any, queue_url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(value) == 0 for value in attributes.values())


def test_200_concurrent_duplicated_webhook_deliveries_take_effect_exactly_once(
    stack: LocalStack, support_api: Api
) -> None:
    # Given 50 signed invoice events about 10 of our agents, each to be delivered 4 times
    agents = create_agents(stack, support_api, AGENTS)
    events = invoice_events(agents)
    calls = [
        Call(
            "webhook",
            number,
            "POST",
            "/v1/webhooks/stripe",
            raw=event.payload.encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(event.payload),
            },
        )
        for number, event in enumerate(events)
        for _ in range(DELIVERIES_PER_EVENT)
    ]
    assert len(calls) == 200
    random.Random(8).shuffle(calls)

    # When they all arrive at once
    answers = Sender(stack.api_url).send_all(calls)

    # Then every delivery is acknowledged, none lost, no 5xx
    assert_no_lost_and_no_5xx(answers, 200)
    refused = [a.describe() for a in answers if (a.status, a.body) != (200, {"received": True})]
    assert refused == []

    # And once the consumer is done with all of them (bounded wait: every record final, all
    # duplicates counted, nothing left in the queue or in flight)...
    sqs = aws_client("sqs", stack.aws_url)
    queue_url = cached_settings().stripe_events_queue_url
    records: dict[str, WebhookEventModel] = {}

    def consumer_done() -> tuple[bool, str]:
        records.clear()
        keys = [event.event_id for event in events]
        for record in WebhookEventModel.batch_get(keys, consistent_read=True):
            records[record.event_id] = record
        outcomes = Counter(record.outcome for record in records.values())
        duplicates = sum(int(record.duplicates or 0) for record in records.values())
        drained = queue_is_drained(sqs, queue_url)
        report = (
            f"{len(records)}/{len(events)} records, outcomes {dict(outcomes)}, "
            f"{duplicates} duplicates counted, queue drained: {drained}"
        )
        expected_duplicates = DISTINCT_EVENTS * (DELIVERIES_PER_EVENT - 1)
        done = (
            len(records) == len(events)
            and outcomes["processing"] == 0
            and (duplicates >= expected_duplicates or outcomes["failed"] > 0)
            and drained
        )
        return done, report

    poll(consumer_done, CONSUMER_DEADLINE)

    # ...each event was applied once and each of its 3 other deliveries counted as a duplicate
    for event in events:
        record = records[event.event_id]
        assert (record.type, record.outcome, record.duplicates) == (
            event.event_type,
            "processed",
            DELIVERIES_PER_EVENT - 1,
        ), (event.event_id, record.outcome, record.detail, record.duplicates)
        assert (record.detail or "").startswith(f"invoice {event.status}/{event.payment_status}"), (
            record.detail
        )

    # And each invoice is in its agent's partition exactly once, with the event's state
    for agent in agents:
        mine = [event for event in events if event.agent is agent]
        stored = list(InvoiceModel.query(agent.account_id, consistent_read=True))
        counts = Counter(invoice.invoice_id for invoice in stored)
        assert counts == Counter(event.invoice_id for event in mine)
        by_id = {invoice.invoice_id: invoice for invoice in stored}
        for event in mine:
            invoice = by_id[event.invoice_id]
            assert (invoice.status, invoice.payment_status, invoice.last_event_id) == (
                event.status,
                event.payment_status,
                event.event_id,
            )
        # and the agent sees them once each, newest first, with the right status
        listed = {row[0]: row[2] for row in invoice_summary(agent)}
        assert listed == {event.invoice_id: event.payment_status for event in mine}
        order = [row[0] for row in invoice_summary(agent)]
        assert order == [event.invoice_id for event in reversed(mine)]
