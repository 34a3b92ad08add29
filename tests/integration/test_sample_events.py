"""events/ holds a usable sample event for every route and queue consumer in the template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.cfn import ROOT, load_template, resources_of_type

EVENT_FILES = sorted((ROOT / "events").rglob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_every_http_route_has_a_sample_event():
    route_keys = set()
    for function in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                route_keys.add(
                    f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"
                )
    sampled = {_load(path).get("routeKey") for path in EVENT_FILES}
    assert route_keys - sampled == set()


def test_every_queue_consumer_has_a_sample_batch():
    consumers = [
        logical_id
        for logical_id, function in resources_of_type(
            load_template(), "AWS::Serverless::Function"
        ).items()
        if any(e["Type"] == "SQS" for e in function["Properties"].get("Events", {}).values())
    ]
    folders = {
        load_template()["Resources"][c]["Properties"]["CodeUri"].strip("/").split("/")[-1]
        for c in consumers
    }
    for folder in folders:
        batches = [p for p in (ROOT / "events" / folder).glob("*.json") if "Records" in _load(p)]
        assert batches, f"events/{folder}/ has no SQS batch sample"


@pytest.mark.parametrize(
    "path",
    [p for p in EVENT_FILES if "routeKey" in _load(p)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_http_sample_event_is_answered_without_a_server_error(stack, path):
    event = _load(path)
    method, route_path = event["routeKey"].split(" ", 1)
    route = next(r for r in stack.gateway.routes if r.method == method and r.path == route_path)

    response = route.function.invoke(event)

    assert response["statusCode"] < 500, response
    assert "Traceback" not in response.get("body", "")


def test_the_catch_up_schedule_sample_runs_the_catch_up(stack):
    function = stack.gateway.functions["StripeSyncFunction"]

    result = function.invoke(_load(ROOT / "events" / "stripe_sync" / "schedule.json"))

    assert set(result) == {"events_seen", "events_applied"}
    assert result["events_seen"] >= 0
