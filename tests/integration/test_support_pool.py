"""The unassigned pool and support's Assign, through the local gateway: the pool is an index
Query that examines pooled leads only; Assign is one conditional transaction that moves the lead
and the lead counts, so of concurrent assigns of one lead exactly one wins."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from shared.data.tables.accounts import AccountModel
from shared.data.tables.leads import LeadModel
from shared.errors import Conflict
from shared.http.auth import Principal
from shared.leads.pool import MAX_ASSIGN_ATTEMPTS, assign_lead
from shared.leads.requests import Assignment
from shared.runtime import cached_settings
from testing.api_client import Api
from testing.pool_probe import pool_query_cost

POOL = "/v1/support/leads"
SUPPORT = Principal(subject="support-pool-test", email=None, groups=frozenset({"support"}))


def territory() -> str:
    return f"P{uuid.uuid4().hex[:8]}"


def upsert(support_api: Api, leads: list[dict[str, Any]]) -> None:
    response = support_api.post(POOL, json={"leads": leads})
    assert response.status_code == 200, response.text


def pooled(support_api: Api, code: str, count: int, prefix: str | None = None) -> list[str]:
    prefix = prefix or f"pool-{uuid.uuid4().hex[:6]}"
    lead_ids = [f"{prefix}-{n:03d}" for n in range(count)]
    upsert(
        support_api,
        [{"lead_id": lead_id, "territory": code, "address": "1 Main St"} for lead_id in lead_ids],
    )
    return lead_ids


def pool_ids(support_api: Api, **params: Any) -> list[str]:
    return [lead["lead_id"] for page in support_api.pages(POOL, **params) for lead in page["leads"]]


def lead_count(support_api: Api, agent_id: str) -> int:
    return int(support_api.get(f"/v1/support/accounts/{agent_id}").json()["lead_count"])


def assign(support_api: Api, lead_id: str, **body: Any) -> Any:
    return support_api.post(f"{POOL}/{lead_id}/assign", json=body)


# ----------------------------------------------------------------------------- the pool


def test_the_pool_lists_unassigned_leads_only_by_territory(support_api, new_agent):
    # Given pooled leads in two territories and assigned leads beside them
    first, second = territory(), territory()
    agent_id, _ = new_agent([first])
    in_first = pooled(support_api, first, 3)
    in_second = pooled(support_api, second, 2)
    upsert(
        support_api,
        [
            {
                "lead_id": f"taken-{uuid.uuid4().hex[:6]}",
                "territory": first,
                "assigned_agent_id": agent_id,
            }
            for _ in range(4)
        ],
    )

    # Then each territory's pool holds its pooled leads, in lead order, and nothing else
    assert pool_ids(support_api, status="unassigned", territory=first) == sorted(in_first)
    assert pool_ids(support_api, territory=second) == sorted(in_second)
    whole_pool = set(pool_ids(support_api, limit=100))
    assert set(in_first + in_second) <= whole_pool
    page = support_api.get(POOL, params={"territory": first}).json()
    assert all(
        lead["status"] == "unassigned"
        and lead["assigned_agent_id"] is None
        and lead["territory"] == first
        and lead["address"] == "1 Main St"
        for lead in page["leads"]
    )


def test_the_pool_pages_without_gaps_and_cursors_stay_with_their_territory(support_api):
    code, other = territory(), territory()
    lead_ids = pooled(support_api, code, 7)
    pooled(support_api, other, 2)

    assert pool_ids(support_api, territory=code, limit=3) == sorted(lead_ids)
    cursor = support_api.get(POOL, params={"territory": code, "limit": 3}).json()["next_cursor"]
    foreign = support_api.get(POOL, params={"territory": other, "limit": 3, "cursor": cursor})
    assert foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "invalid_cursor"


def test_the_pool_query_examines_pooled_leads_only(stack, support_api, new_agent):
    # Given 3 pooled leads in a territory
    code = territory()
    cached_settings()
    pooled(support_api, code, 3)
    before = pool_query_cost(code)

    # When 200 assigned leads join them in the same territory
    agent_id, _ = new_agent([code])
    upsert(
        support_api,
        [
            {"lead_id": f"busy-{code}-{n:03d}", "territory": code, "assigned_agent_id": agent_id}
            for n in range(200)
        ],
    )
    after = pool_query_cost(code)

    # Then the query examines exactly the pooled leads, before and after
    assert (before.returned, before.examined) == (3, 3)
    assert (after.returned, after.examined, after.capacity) == (3, 3, before.capacity)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "assigned"},
        {"territory": "78701#x"},
        {"territory": "a\x01"},
        {"territory": "x" * 33},
        {"limit": 0},
        {"limit": 101},
        {"cursor": "x" * 2049},
    ],
)
def test_bad_pool_queries_are_400(support_api, params):
    response = support_api.get(POOL, params=params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_leads_enter_and_leave_the_pool_with_their_upserts(support_api, new_agent):
    code = territory()
    agent_id, _ = new_agent([code])
    [lead_id] = pooled(support_api, code, 1)
    assert pool_ids(support_api, territory=code) == [lead_id]

    upsert(support_api, [{"lead_id": lead_id, "territory": code, "assigned_agent_id": agent_id}])
    assert pool_ids(support_api, territory=code) == []

    upsert(support_api, [{"lead_id": lead_id, "territory": code}])
    assert pool_ids(support_api, territory=code) == [lead_id]
    assert lead_count(support_api, agent_id) == 0


def test_a_cancelled_agents_leads_without_a_candidate_land_in_the_pool(support_api, new_agent):
    # Given an agent alone in a territory, with 4 leads there
    code = territory()
    agent_id, agent = new_agent([code])
    lead_ids = [f"alone-{code}-{n}" for n in range(4)]
    upsert(
        support_api,
        [
            {"lead_id": lead_id, "territory": code, "assigned_agent_id": agent_id}
            for lead_id in lead_ids
        ],
    )

    # When the agent cancels and support approves
    ticket = agent.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "unused", "acknowledge_consequences": True},
    ).json()
    approved = support_api.post(f"/v1/support/tickets/{ticket['id']}/approve", json={})
    assert approved.status_code == 202, approved.text

    # Then the reassignment parks every lead in that territory's pool
    deadline = time.monotonic() + 60
    while support_api.get(f"/v1/support/tickets/{ticket['id']}").json()["status"] != "completed":
        assert time.monotonic() < deadline, "the reassignment did not complete"
        time.sleep(0.3)
    assert pool_ids(support_api, territory=code) == sorted(lead_ids)


# ----------------------------------------------------------------------------- agents offered


def test_agents_serving_a_territory_are_the_active_ones_least_loaded_first(support_api, new_agent):
    code = territory()
    busy, _ = new_agent([code], account_id=f"agent-a-busy-{code}")
    idle_b, _ = new_agent([code], account_id=f"agent-b-idle-{code}")
    idle_a, _ = new_agent([code], account_id=f"agent-a-idle-{code}")
    leaving, leaving_api = new_agent([code], account_id=f"agent-leaving-{code}")
    new_agent([territory()])  # serves elsewhere
    upsert(
        support_api,
        [
            {"lead_id": f"load-{code}-{n}", "territory": code, "assigned_agent_id": busy}
            for n in range(2)
        ],
    )
    leaving_api.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "acknowledge_consequences": True},
    )

    response = support_api.get("/v1/support/agents", params={"territory": code})

    assert response.status_code == 200, response.text
    agents = response.json()["agents"]
    assert [(a["account_id"], a["lead_count"]) for a in agents] == [
        (idle_a, 0),
        (idle_b, 0),
        (busy, 2),
    ]
    assert set(agents[0]) == {"account_id", "name", "email", "lead_count"}
    assert leaving not in [a["account_id"] for a in agents]


@pytest.mark.parametrize("params", [{}, {"territory": ""}, {"territory": "bad#code"}])
def test_agents_need_a_valid_territory(support_api, params):
    response = support_api.get("/v1/support/agents", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "territory"


# ----------------------------------------------------------------------------- assign


def test_assigning_a_pooled_lead_moves_it_and_the_agents_count(support_api, new_agent):
    code = territory()
    agent_id, _ = new_agent([code])
    [lead_id] = pooled(support_api, code, 1)

    response = assign(support_api, lead_id, agent_id=agent_id)

    assert response.status_code == 200, response.text
    lead = response.json()
    assert (lead["lead_id"], lead["status"], lead["assigned_agent_id"]) == (
        lead_id,
        "assigned",
        agent_id,
    )
    assert pool_ids(support_api, territory=code) == []
    assert lead_count(support_api, agent_id) == 1
    agent_leads = support_api.get(f"/v1/support/accounts/{agent_id}/leads").json()["leads"]
    assert [item["lead_id"] for item in agent_leads] == [lead_id]
    cached_settings()
    stored = LeadModel.get(lead_id, consistent_read=True)
    assert stored.pool is None
    assert stored.pool_key is None
    change = stored.history[-1]
    assert change.from_agent_id is None
    assert (change.to_agent_id, change.reason, change.by) == (
        agent_id,
        "support_assign",
        "support-staff",
    )


def test_moving_a_lead_between_agents_moves_both_counts(support_api, new_agent):
    code = territory()
    first, _ = new_agent([code])
    second, _ = new_agent([code])
    lead_id = f"move-{code}"
    upsert(support_api, [{"lead_id": lead_id, "territory": code, "assigned_agent_id": first}])

    without_source = assign(support_api, lead_id, agent_id=second)
    moved = assign(support_api, lead_id, agent_id=second, from_agent_id=first)

    assert without_source.status_code == 409
    assert "from_agent_id" in without_source.json()["error"]["message"]
    assert moved.status_code == 200, moved.text
    assert moved.json()["assigned_agent_id"] == second
    assert (lead_count(support_api, first), lead_count(support_api, second)) == (0, 1)


def test_assign_answers_404_409_and_400_as_documented(support_api, new_agent):
    code = territory()
    active, _ = new_agent([code])
    another, _ = new_agent([code])
    asking, asking_api = new_agent([code])
    asking_api.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "acknowledge_consequences": True},
    )
    lead_id, other_lead = pooled(support_api, code, 2)
    with_agent = f"held-{code}"
    upsert(support_api, [{"lead_id": with_agent, "territory": code, "assigned_agent_id": active}])

    answers = {
        "unknown lead": assign(support_api, f"nope-{code}", agent_id=active),
        "unknown agent": assign(support_api, lead_id, agent_id=f"agent-nobody-{code}"),
        "agent asked to cancel": assign(support_api, lead_id, agent_id=asking),
        "not in the pool": assign(support_api, with_agent, agent_id=another),
        "wrong source": assign(support_api, with_agent, agent_id=active, from_agent_id=asking),
        "same agent": assign(support_api, with_agent, agent_id=active, from_agent_id=active),
        "no agent_id": support_api.post(f"{POOL}/{lead_id}/assign", json={}),
        "agent_id a number": assign(support_api, lead_id, agent_id=7),
        "agent_id with spaces": assign(support_api, lead_id, agent_id="an agent"),
        "not JSON": support_api.post(
            f"{POOL}/{lead_id}/assign", data="agent", headers={"Content-Type": "text/plain"}
        ),
    }

    codes = {name: (r.status_code, r.json()["error"]["code"]) for name, r in answers.items()}
    assert codes == {
        "unknown lead": (404, "not_found"),
        "unknown agent": (404, "not_found"),
        "agent asked to cancel": (409, "agent_not_active"),
        "not in the pool": (409, "conflict"),
        "wrong source": (409, "conflict"),
        "same agent": (409, "conflict"),
        "no agent_id": (400, "invalid_request"),
        "agent_id a number": (400, "invalid_request"),
        "agent_id with spaces": (400, "invalid_request"),
        "not JSON": (400, "invalid_request"),
    }
    # Nothing moved
    assert pool_ids(support_api, territory=code) == sorted([lead_id, other_lead])
    assert [lead_count(support_api, a) for a in (active, another, asking)] == [1, 0, 0]


def test_a_cancelled_agent_is_not_active(support_api, new_agent):
    code = territory()
    gone, gone_api = new_agent([code])
    ticket = gone_api.post(
        "/v1/account/cancellation-tickets",
        json={"reason": "other", "acknowledge_consequences": True},
    ).json()
    assert (
        support_api.post(f"/v1/support/tickets/{ticket['id']}/approve", json={}).status_code == 202
    )
    [lead_id] = pooled(support_api, code, 1)

    response = assign(support_api, lead_id, agent_id=gone)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "agent_not_active"


@pytest.mark.parametrize("same_agent", [True, False], ids=["same-agent", "different-agents"])
def test_concurrent_assigns_of_one_lead_exactly_one_wins(support_api, new_agent, same_agent):
    # Given one pooled lead and eight support requests to assign it at once
    code = territory()
    agents = [new_agent([code])[0] for _ in range(1 if same_agent else 8)]
    [lead_id] = pooled(support_api, code, 1)
    targets = [agents[n % len(agents)] for n in range(8)]
    start = threading.Barrier(len(targets))

    def attempt(agent_id: str) -> tuple[int, str]:
        start.wait()
        response = assign(Api(support_api.base_url, support_api.token), lead_id, agent_id=agent_id)
        return response.status_code, agent_id

    with ThreadPoolExecutor(len(targets)) as pool:
        results = list(pool.map(attempt, targets))

    # Then exactly one wins, every other gets 409, and the counts moved exactly once
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (len(targets) - 1)
    winner = next(agent_id for status, agent_id in results if status == 200)
    assert (
        support_api.get(f"/v1/support/accounts/{winner}/leads").json()["leads"][0]["lead_id"]
        == lead_id
    )
    assert {agent_id: lead_count(support_api, agent_id) for agent_id in agents} == {
        agent_id: int(agent_id == winner) for agent_id in agents
    }
    assert pool_ids(support_api, territory=code) == []


def test_assigns_that_all_passed_their_checks_race_on_the_condition(stack, support_api, new_agent):
    # Given eight callers held together after their checks, just before their transactions
    cached_settings()
    code = territory()
    agents = [new_agent([code])[0] for _ in range(8)]
    [lead_id] = pooled(support_api, code, 1)
    checked = threading.Barrier(len(agents))

    def hold() -> None:
        checked.wait()

    def attempt(agent_id: str) -> str:
        try:
            assign_lead(lead_id, Assignment(agent_id=agent_id), SUPPORT, before_commit=hold)
        except Conflict as refused:
            return refused.code
        return "assigned"

    # When they all commit
    with ThreadPoolExecutor(len(agents)) as pool:
        outcomes = list(pool.map(attempt, agents))

    # Then the lead's condition lets one through and refuses the rest
    assert sorted(outcomes) == ["assigned"] + ["conflict"] * 7
    loads = {
        a.account_id: int(a.lead_count)
        for a in AccountModel.batch_get(agents, consistent_read=True)
    }
    winner = LeadModel.get(lead_id, consistent_read=True).assigned_agent_id
    assert loads == {agent_id: int(agent_id == winner) for agent_id in agents}


def _conflict() -> TransactWriteError:
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code="TransactionConflict")],
    )
    return TransactWriteError("transaction cancelled", cause=cause)


def test_a_transaction_conflict_is_tried_again_and_then_decided(stack, support_api, new_agent):
    cached_settings()
    code = territory()
    agent_id, _ = new_agent([code])
    [lead_id] = pooled(support_api, code, 1)
    conflicts = [_conflict()]
    waits: list[float] = []

    def conflict_once() -> None:
        if conflicts:
            raise conflicts.pop()

    lead = assign_lead(
        lead_id,
        Assignment(agent_id=agent_id),
        SUPPORT,
        sleep=waits.append,
        before_commit=conflict_once,
    )

    assert lead.assigned_agent_id == agent_id
    assert len(waits) == 1
    assert lead_count(support_api, agent_id) == 1


def test_a_conflict_that_never_clears_is_left_to_the_edge_as_a_retry(stack, support_api, new_agent):
    cached_settings()
    code = territory()
    agent_id, _ = new_agent([code])
    [lead_id] = pooled(support_api, code, 1)

    def always_conflict() -> None:
        raise _conflict()

    with pytest.raises(TransactWriteError):
        assign_lead(
            lead_id,
            Assignment(agent_id=agent_id),
            SUPPORT,
            sleep=lambda _: None,
            before_commit=always_conflict,
        )

    assert MAX_ASSIGN_ATTEMPTS > 1
    assert pool_ids(support_api, territory=code) == [lead_id]
    assert lead_count(support_api, agent_id) == 0


# ----------------------------------------------------------------------------- who may ask


def test_the_pool_and_assign_are_for_support_only(stack, support_api, new_agent):
    code = territory()
    agent_id, agent = new_agent([code])
    [lead_id] = pooled(support_api, code, 1)

    answers = [
        agent.get(POOL),
        agent.get("/v1/support/agents", params={"territory": code}),
        agent.post(f"{POOL}/{lead_id}/assign", json={"agent_id": agent_id}),
        # Refused before the body is read: no 400 describing the route's input.
        agent.post(f"{POOL}/{lead_id}/assign", json={"nonsense": True}),
    ]

    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(403, "forbidden")] * 4
    assert Api(stack.api_url).get(POOL).status_code == 401
    assert pool_ids(support_api, territory=code) == [lead_id]
