"""The reassignment job under faults: a crash in the middle of a page, redelivery, duplicate
messages (one after the other, and one overtaking a running job), running out of time, a
candidate leaving while the job runs, bad messages.

Faults are injected through the job's own dependencies (ReassignmentDeps), never by patching
our code; redeliveries go through the real SQS consumer handler with the sample batch event."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from shared.data.tables.accounts import CANCELLED, AccountModel, TerritoryAgentModel
from shared.data.tables.leads import LeadModel
from shared.leads.reassignment import (
    LeadMove,
    Placement,
    ReassignmentResult,
    default_deps,
    reassign_leads,
    run_job_message,
)
from shared.runtime import cached_settings
from testing.reassignment_world import World

SAMPLE_BATCH = Path(__file__).resolve().parents[2] / "events/lead_reassignment/sqs_batch.json"


class Crash(Exception):
    pass


@pytest.fixture
def settings(stack):
    return cached_settings()


@pytest.fixture
def consumer(stack):
    function = stack.gateway.functions["LeadReassignmentFunction"]

    def deliver(body: dict[str, str] | str, message_id: str = "m-1") -> dict[str, Any]:
        event = json.loads(SAMPLE_BATCH.read_text())
        record = event["Records"][0]
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        record["messageId"] = message_id
        response: dict[str, Any] = function.invoke(event)
        return response

    return deliver


def world_with_departure(leads: int = 25) -> World:
    world = World()
    for name in ("b", "a", "c"):
        world.add_agent(name, ["t1", "t2"])
    world.add_agent("leaving", ["t1"], status="leaving")
    # t3 has no candidate: those leads go to the pool.
    world.add_departing(["t1", "t2", "t3"], [("t1", "t2", "t3")[n % 3] for n in range(leads)])
    world.approve_departure()
    return world


def crash_after(count: int):
    moves: list[LeadMove] = []

    def hook(move: LeadMove) -> None:
        moves.append(move)
        if len(moves) == count:
            raise Crash(f"crashed after {count} leads")

    return hook


def test_a_crash_after_half_a_page_then_redelivery_loses_nothing(settings, consumer):
    # Given a job that crashes after 5 leads of a 10-lead page
    world = world_with_departure(25)
    assert world.job is not None
    with pytest.raises(Crash):
        reassign_leads(world.job, default_deps(page_size=10, after_each_lead=crash_after(5)))

    # Then, even mid-way, every lead has exactly one holder and the counters agree
    world.assert_consistent_midway()
    assert len(world.indexed_leads(world.departing_id or "")) == 20

    # When the queue redelivers the message to the consumer
    response = consumer(world.job.model_dump())

    # Then the job finishes as if nothing had happened
    assert response == {"batchItemFailures": []}
    holders = world.assert_done()
    loads = world.lead_counts()
    active = [agent for agent, status in world.agents.items() if status == "active"]
    assert max(loads[a] for a in active) - min(loads[a] for a in active) <= 1
    assert list(holders.values()).count(None) == 8  # the t3 leads


def test_the_same_message_twice_changes_nothing(settings, consumer):
    world = world_with_departure(12)
    assert world.job is not None
    assert consumer(world.job.model_dump()) == {"batchItemFailures": []}
    world.assert_done()
    before = world.snapshot()

    again = consumer(world.job.model_dump(), message_id="m-2")

    assert again == {"batchItemFailures": []}
    assert world.snapshot() == before


def test_a_duplicate_consumer_overtaking_a_running_job_moves_each_lead_once(settings):
    """The queue may hand the same job to two consumers at once. The second one here runs to the
    end in the middle of the first one's page (deterministic interleaving: moto, unlike
    DynamoDB, does not isolate concurrent transactions, so real threads would test moto)."""
    world = world_with_departure(30)
    assert world.job is not None
    job = world.job
    first_moves: list[LeadMove] = []
    overtaking: list[ReassignmentResult] = []

    def overtake_after_four(move: LeadMove) -> None:
        first_moves.append(move)
        if len(first_moves) == 4:
            overtaking.append(reassign_leads(job, default_deps(page_size=7)))

    first = reassign_leads(job, default_deps(page_size=10, after_each_lead=overtake_after_four))

    world.assert_done()
    second = overtaking[0]
    assert first.reassigned + first.unassigned == 4
    assert second.reassigned + second.unassigned == 26
    assert first.already_moved == 6  # the rest of the first job's page, already placed
    assert {len(lead.history) for lead in _leads(world)} == {2}  # created, then moved once


def _leads(world: World) -> list[Any]:
    return list(LeadModel.batch_get(world.departing_leads, consistent_read=True))


def test_running_out_of_time_queues_the_rest_and_the_next_run_finishes(settings):
    world = world_with_departure(15)
    assert world.job is not None
    time_checks = itertools.count()
    queued: list[dict[str, str]] = []

    first = run_job_message(
        world.job.model_dump_json(),
        has_time=lambda: next(time_checks) < 6,
        enqueue=queued.append,
    )

    assert first.continued
    assert first.result.reassigned + first.result.unassigned == 6
    assert queued == [world.job.model_dump()]
    world.assert_consistent_midway()
    second = run_job_message(json.dumps(queued[0]), has_time=lambda: True, enqueue=queued.append)

    assert second.result.completed
    assert not second.continued
    world.assert_done()


def test_a_candidate_leaving_during_the_job_gets_no_more_leads(settings):
    world = world_with_departure(20)
    assert world.job is not None
    quitter = f"{world.prefix}-a"
    moves: list[LeadMove] = []

    def quit_after_three(move: LeadMove) -> None:
        moves.append(move)
        if len(moves) == 3:  # support approves this candidate's own cancellation meanwhile
            AccountModel(quitter).update(actions=[AccountModel.status.set(CANCELLED)])
            for code in world.territories_of[quitter]:
                TerritoryAgentModel(code, quitter).delete()

    reassign_leads(world.job, default_deps(after_each_lead=quit_after_three))

    assert all(move.to_agent_id != quitter for move in moves[3:])
    world.agents[quitter] = CANCELLED
    holders = world.holders()
    stayed_with_quitter = [lead for lead, agent in holders.items() if agent == quitter]
    assert len(stayed_with_quitter) == sum(1 for m in moves[:3] if m.to_agent_id == quitter)
    assert world.indexed_leads(world.departing_id or "") == []
    assert world.ticket().status == "completed"
    assert all(m.placement is not Placement.ALREADY_MOVED for m in moves)


def test_a_malformed_message_is_reported_failed_and_an_unknown_ticket_is_a_no_op(consumer):
    bad = consumer("{not json", message_id="bad-1")
    assert bad == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}

    unknown = consumer({"ticket_id": "tkt_nope", "account_id": "nobody"}, message_id="ok-1")
    assert unknown == {"batchItemFailures": []}
