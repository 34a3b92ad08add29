"""The local stack runs the template's schedules (the Stripe catch-up) every
CATCHUP_INTERVAL_S seconds, as EventBridge runs them every CatchUpRateMinutes in AWS."""

from __future__ import annotations

import threading

from local.activity import BatchDone, RequestDone
from local.schedules import Scheduler, load_schedules
from local.stack import StackConfig
from shared.sync.checkpoint import load_state


def test_the_catch_up_schedule_is_read_from_the_template(stack):
    schedules = load_schedules(stack.gateway.functions)
    assert [(s.function.logical_id, s.rule) for s in schedules] == [
        ("StripeSyncFunction", "CatchUpSchedule")
    ]


def test_the_interval_comes_from_catchup_interval_s(monkeypatch):
    monkeypatch.setenv("CATCHUP_INTERVAL_S", "7.5")
    assert StackConfig.from_environment().catch_up_interval_s == 7.5
    monkeypatch.delenv("CATCHUP_INTERVAL_S")
    assert StackConfig.from_environment().catch_up_interval_s == 60.0


def test_the_scheduler_runs_the_catch_up_every_interval(stack):
    runs: list[RequestDone] = []
    two_runs = threading.Event()

    def listen(done: RequestDone | BatchDone) -> None:
        if isinstance(done, RequestDone) and done.method == "CRON":
            runs.append(done)
            if len(runs) >= 2:
                two_runs.set()

    scheduler = Scheduler(stack.gateway.functions, interval_seconds=0.5, activity=stack.activity)
    stack.activity.subscribe(listen)
    before = load_state().last_run_at
    scheduler.start()
    try:
        assert two_runs.wait(timeout=120)
    finally:
        scheduler.stop()
        stack.activity.unsubscribe(listen)

    assert {(run.path, run.status, run.function) for run in runs} == {
        ("CatchUpSchedule", 200, "StripeSyncFunction")
    }
    after = load_state().last_run_at
    assert after is not None
    assert before is None or after > before


def test_a_zero_interval_switches_the_schedule_off(stack):
    scheduler = Scheduler(stack.gateway.functions, interval_seconds=0)
    scheduler.start()
    assert scheduler._thread is None
