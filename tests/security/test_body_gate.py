"""Hostile bodies (API.md, "Hostile input"): whatever the body, the answer is a 4xx or a 2xx,
never a 5xx, and a refused request changes nothing. The gate itself is fuzzed with hypothesis
(random JSON, random bytes, random depth); the running stack gets the probe's worst cases and a
hypothesis sample over real HTTP."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import InvalidRequest, RawCardDataRejected
from shared.http.gate import MAX_BODY_BYTES, MAX_DEPTH, check_body, check_path_ids

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_are_accepted_as_json_or_refused_as_400(raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    with contextlib.suppress(InvalidRequest, RawCardDataRejected):
        check_body(text, card_values=True)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_random_json_passes_or_is_refused_and_never_crashes(value: object) -> None:
    text = json.dumps(value)
    try:
        decoded = check_body(text, card_values=True)
    except (InvalidRequest, RawCardDataRejected):
        return
    assert decoded == json.loads(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from(["[", '{"a":']))
def test_any_depth_is_answered_without_recursion(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    body = opener * depth + "1" + closer * depth
    if len(body) > MAX_BODY_BYTES or depth > MAX_DEPTH:
        with pytest.raises(InvalidRequest):
            check_body(body, card_values=False)
    else:
        assert check_body(body, card_values=False) is not None


@pytest.mark.parametrize(
    "body",
    [
        '{"n": ' + "9" * 5000 + "}",
        '{"n": 1e999999}',
        '{"n": -' + "1" * 19 + "}",
        '{"n": NaN}',
        '{"n": Infinity}',
        '"' + '\\"' * 100_000,  # an unterminated string of escapes: refused in linear time
        "[" * 1_000_000,
        "x" * (MAX_BODY_BYTES + 1),
    ],
    ids=["5000-digits", "huge-exponent", "19-digits", "nan", "infinity", "escapes", "deep", "big"],
)
def test_each_known_hostile_body_is_invalid_request(body: str) -> None:
    with pytest.raises(InvalidRequest):
        check_body(body, card_values=False)


def test_path_ids_are_bounded() -> None:
    check_path_ids({"invoice_id": "in_" + "a" * 200})
    with pytest.raises(InvalidRequest):
        check_path_ids({"invoice_id": "in_" + "a" * 20_000})


# ---------------------------------------------------------------- the running stack

HOSTILE_BODIES = {
    "deep-array": "[" * 100_000 + "]" * 100_000,
    "deep-object": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "5000-digit-number": '{"reason": "other", "n": ' + "7" * 5000 + "}",
    "huge-exponent": '{"reason": "other", "n": 1e400000}',
    "too-big": '{"comment": "' + "a" * (MAX_BODY_BYTES + 10) + '"}',
    "nan": '{"setup_intent_id": NaN}',
    "not-json": "{'single': 'quotes'}",
    "truncated": '{"reason": "other", "comment": "',
}
WRITE_ROUTES = [
    ("POST", "/v1/account/cancellation-tickets"),
    ("PUT", "/v1/billing/card"),
    ("POST", "/v1/billing/setup-intents"),
]


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_hostile_bodies_are_400_and_change_nothing(new_agent, method, path, name) -> None:
    _, agent = new_agent()
    before = agent.get("/v1/account").json()

    response = agent.request(
        method, path, data=HOSTILE_BODIES[name], headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert agent.get("/v1/account").json() == before
    assert agent.get("/v1/account/cancellation-tickets").json()["tickets"] == []


def test_support_bodies_pass_the_same_gate(support_api) -> None:
    for body in HOSTILE_BODIES.values():
        response = support_api.post(
            "/v1/support/leads", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/billing/invoices/in_{}",
        "/v1/billing/invoices/in_{}/download",
        "/v1/account/cancellation-tickets/tkt_{}",
    ],
)
def test_a_20000_character_id_is_400_and_never_reaches_stripe(new_agent, path) -> None:
    _, agent = new_agent()
    method = "DELETE" if "cancellation" in path else "GET"
    response = agent.request(method, path.format("a" * 20_000))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(json_values.map(json.dumps), st.binary(max_size=512)))
def test_random_bodies_over_http_are_never_5xx(new_agent, body) -> None:
    _, agent = _agent_once(new_agent)
    for method, path in WRITE_ROUTES:
        response = agent.request(
            method, path, data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code < 500, (method, path, body, response.text)


_agents: dict[str, tuple[str, object]] = {}


def _agent_once(new_agent):
    # One agent for all examples: hypothesis calls the test body many times per fixture.
    if "agent" not in _agents:
        _agents["agent"] = new_agent()
    return _agents["agent"]
