"""`make dev`'s terminal, as `python -m local` runs it: the ready block stays the last thing on
screen until a request arrives, then one short line per request; the functions' JSON logs go
to a file (or, with LOCAL_LOGS=stream, to the terminal)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from local.cfn import ROOT
from local.routing import load_functions_and_routes
from local.stack import free_port

READY_BLOCK_END = "Ctrl-C stops"


class DevProcess:
    """`python -m local` in a subprocess, its stdout read line by line as it comes."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float) -> str | None:
        """The next stdout line, or None when none came within `timeout` (or stdout ended)."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is not None:
            self.stdout.append(line)
        return line

    def read_ready_block(self, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        block: list[str] = []
        while time.monotonic() < deadline:
            line = self.next_line(timeout=max(0.1, deadline - time.monotonic()))
            if line is None and self.process.poll() is not None:
                break
            if line is not None:
                block.append(line)
                if READY_BLOCK_END in line:
                    return block
        raise AssertionError(f"no ready block: {block} {self.stop()}")

    def stop(self) -> str:
        """SIGINT, as Ctrl-C; what is left of stdout is read, stderr returned."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        while self.next_line(timeout=1) is not None:
            pass
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
        return self.stderr


@pytest.fixture
def dev(tmp_path) -> Iterator[tuple[Callable[..., DevProcess], dict[str, str]]]:
    """Starts `python -m local` on free ports with the given settings; stops it afterwards."""
    started: list[DevProcess] = []
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "STRIPE_", "LOCAL_", "POWERTOOLS_"))
    }
    environment.update(
        {
            "API_PORT": str(free_port()),
            "AWS_PORT": str(free_port()),
            "STRIPE_PORT": str(free_port()),
            "LAMBDA_PORT": str(free_port()),
            "SEED": "demo",
            "LOCAL_LOG_FILE": str(tmp_path / "logs" / "functions.log"),
        }
    )

    def start(**overrides: str) -> DevProcess:
        process = DevProcess({**environment, **overrides})
        started.append(process)
        return process

    yield start, environment
    for process in started:
        process.stop()


def json_lines(lines: list[str]) -> list[dict[str, object]]:
    found = []
    for line in lines:
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            found.append(parsed)
    return found


def function_of(method: str, path: str) -> str:
    _, routes = load_functions_and_routes()
    return next(r.function.logical_id for r in routes if (r.method, r.path) == (method, path))


def test_the_ready_block_stays_last_and_each_request_is_one_line_while_logs_go_to_a_file(dev):
    start, environment = dev
    log_file = Path(environment["LOCAL_LOG_FILE"])
    api = f"http://127.0.0.1:{environment['API_PORT']}"
    process = start()

    block = process.read_ready_block()

    assert any("ready" in line and api in line for line in block), block
    assert any(str(log_file) in line for line in block), block
    # The seed's webhooks and renders are over: nothing scrolls the block away.
    assert process.next_line(timeout=4) is None
    agent_token = next(line.split()[-1] for line in block if "agent token" in line)

    response = requests.get(
        f"{api}/v1/account", headers={"Authorization": f"Bearer {agent_token}"}, timeout=30
    )
    page = requests.get(f"{api}/", params={"token": agent_token}, timeout=30)

    assert response.status_code == 200
    assert page.status_code == 200
    account_line = process.next_line(timeout=10)
    page_line = process.next_line(timeout=10)
    assert account_line is not None
    assert re.search(
        rf"GET\s+/v1/account\s+200\s+\d+ ms\s+{function_of('GET', '/v1/account')}$", account_line
    ), account_line
    assert page_line is not None
    assert re.search(rf"GET\s+/\s+200\s+\d+ ms\s+{function_of('GET', '/')}$", page_line)
    assert agent_token not in page_line  # the query (a token) is never printed
    stderr = process.stop()
    assert process.process.returncode == 0
    assert process.stdout[-1] == "stopping local stack"
    assert json_lines(process.stdout) == []
    assert json_lines(stderr.splitlines()) == []
    logged = json_lines(log_file.read_text().splitlines())
    assert logged, "the functions' JSON logs went to the file"
    assert {"level", "message", "function_name"} <= set(logged[0]), logged[0]


def test_with_local_logs_stream_the_functions_json_logs_reach_the_terminal(dev):
    start, environment = dev
    process = start(LOCAL_LOGS="stream")

    block = process.read_ready_block()
    process.stop()

    assert json_lines(block), "the seed's function logs are on the terminal"
    assert process.process.returncode == 0
    assert not Path(environment["LOCAL_LOG_FILE"]).exists()


def test_an_unknown_log_mode_stops_with_a_message(dev):
    start, _ = dev
    process = start(LOCAL_LOGS="everywhere")

    returncode = process.process.wait(timeout=30)

    assert returncode != 0
    assert "LOCAL_LOGS" in process.stop()
