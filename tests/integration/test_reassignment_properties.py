"""Property-based tests of the reassignment rule (API.md): random agents, territories and leads;
after the job no lead is lost or duplicated, none is with a cancelled or leaving agent, each is
with a candidate of its territory or (only when there is none) in the pool, and the choice is
exactly "fewest leads first, ties to the lowest account_id"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.leads.reassignment import default_deps, reassign_leads
from shared.runtime import cached_settings
from testing.reassignment_world import World

TERRITORIES = ["t1", "t2", "t3", "t4"]  # t4: never served by anyone but the departing agent
STATUSES = ["active", "active", "active", "leaving", "cancelled"]


@dataclass
class AgentSpec:
    status: str
    territories: list[str]
    leads: int


@dataclass
class Scenario:
    agents: list[AgentSpec]
    departing_territories: list[str]
    lead_territories: list[str]
    page_size: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    agents = draw(
        st.lists(
            st.builds(
                AgentSpec,
                status=st.sampled_from(STATUSES),
                territories=st.lists(
                    st.sampled_from(TERRITORIES[:3]), min_size=1, max_size=3, unique=True
                ),
                leads=st.integers(0, 3),
            ),
            max_size=5,
        )
    )
    departing = draw(st.lists(st.sampled_from(TERRITORIES), min_size=1, max_size=4, unique=True))
    leads = draw(st.lists(st.sampled_from(TERRITORIES), max_size=20))
    return Scenario(agents, departing, leads, page_size=draw(st.integers(1, 10)))


@pytest.fixture(scope="module")
def dynamodb(stack):
    return cached_settings()


def expected_placement(world: World, loads: dict[str, int]) -> dict[str, str | None]:
    """The rule, applied the way the job walks the index (lead_id order)."""
    loads = dict(loads)
    placement: dict[str, str | None] = {}
    for lead_id in sorted(world.departing_leads):
        candidates = world.candidates(world.lead_territory[lead_id])
        if not candidates:
            placement[lead_id] = None
            continue
        chosen = min(candidates, key=lambda agent: (loads[agent], agent))
        loads[chosen] += 1
        placement[lead_id] = chosen
    return placement


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_every_lead_lands_with_the_least_loaded_candidate_or_the_pool(dynamodb, scenario):
    # Given agents of every kind and a departing agent whose cancellation support approved
    world = World()
    for index, spec in enumerate(scenario.agents):
        world.add_agent(f"a{index}", spec.territories, status=spec.status, leads=spec.leads)
    world.add_departing(scenario.departing_territories, scenario.lead_territories)
    job = world.approve_departure()
    loads_before = world.lead_counts()

    # When the reassignment job runs
    result = reassign_leads(job, default_deps(page_size=scenario.page_size))

    # Then every invariant holds and the placement is exactly the rule's
    holders = world.assert_done()
    assert result.completed
    assert result.reassigned + result.unassigned == len(scenario.lead_territories)
    assert holders == expected_placement(world, loads_before)


@st.composite
def equal_starts(draw: st.DrawFn) -> tuple[int, int, list[str], int]:
    candidates = draw(st.integers(2, 5))
    start_load = draw(st.integers(0, 2))
    lead_territories = draw(st.lists(st.sampled_from(["t1", "t2"]), max_size=20))
    return candidates, start_load, lead_territories, draw(st.integers(1, 8))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=equal_starts())
def test_candidates_with_equal_loads_end_within_one_lead(dynamodb, case):
    candidates, start_load, lead_territories, page_size = case
    world = World()
    agents = [
        world.add_agent(f"c{index}", ["t1", "t2"], leads=start_load) for index in range(candidates)
    ]
    world.add_departing(["t1", "t2"], lead_territories)
    job = world.approve_departure()

    reassign_leads(job, default_deps(page_size=page_size))

    world.assert_done()
    loads = world.lead_counts()
    final = [loads[agent] for agent in agents]
    assert max(final) - min(final) <= 1
    assert sum(final) == candidates * start_load + len(lead_territories)


def test_no_candidate_at_all_parks_every_lead_in_the_pool(dynamodb):
    world = World()
    world.add_agent("gone", ["t1"], status="cancelled")
    world.add_agent("going", ["t1"], status="leaving")
    world.add_departing(["t1"], ["t1"] * 5)
    job = world.approve_departure()

    result = reassign_leads(job, default_deps())

    holders = world.assert_done()
    assert set(holders.values()) == {None}
    assert (result.reassigned, result.unassigned) == (0, 5)
