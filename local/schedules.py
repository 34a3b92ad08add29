"""EventBridge schedules, emulated: every function with a `Schedule` event in the template is
invoked with a scheduled event every `interval_seconds` (locally one interval for all, from
CATCHUP_INTERVAL_S: the Stripe catch-up is the only schedule)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from local.activity import Activity, RequestDone
from local.cfn import load_template, resources_of_type
from local.functions import LambdaFunction
from local.resources import REGION

ACCOUNT = "000000000000"


@dataclass(frozen=True)
class Schedule:
    function: LambdaFunction
    rule: str  # the event's name in the template, e.g. CatchUpSchedule


def load_schedules(functions: dict[str, LambdaFunction]) -> list[Schedule]:
    schedules = []
    for logical_id, resource in resources_of_type(
        load_template(), "AWS::Serverless::Function"
    ).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] == "Schedule":
                schedules.append(Schedule(functions[logical_id], name))
    return schedules


def scheduled_event(rule: str) -> dict[str, Any]:
    """What EventBridge hands a function on a schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


class Scheduler:
    def __init__(
        self,
        functions: dict[str, LambdaFunction],
        *,
        interval_seconds: float,
        activity: Activity | None = None,
    ) -> None:
        self.schedules = load_schedules(functions)
        self.interval_seconds = interval_seconds
        self.activity = activity or Activity()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval_seconds <= 0 or not self.schedules:
            return  # switched off (the test suite runs the catch-up when it wants it)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            for schedule in self.schedules:
                self.run_once(schedule)

    def run_once(self, schedule: Schedule) -> bool:
        started = time.perf_counter()
        status = 200
        with self.activity.working():
            try:
                schedule.function.invoke(scheduled_event(schedule.rule))
            except Exception:
                status = 500  # logged by the function runner; the next run tries again
        self.activity.report(
            RequestDone(
                method="CRON",
                path=schedule.rule,
                status=status,
                milliseconds=(time.perf_counter() - started) * 1000,
                function=schedule.function.logical_id,
            )
        )
        return status == 200
