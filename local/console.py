"""The `make dev` terminal: the ready block, then one short line per request and per queue
batch. The functions' own logs (Powertools writes JSON lines to stdout, EMF metrics too) go to a
file whose path the ready block prints; `LOCAL_LOGS=stream` sends them to the terminal instead."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from local.activity import BatchDone, RequestDone
from local.cfn import ROOT

DEFAULT_LOG_FILE = ROOT / ".local" / "logs" / "functions.log"
LOG_MODES = ("file", "stream")


def log_mode() -> str:
    """LOCAL_LOGS: `file` (the default) or `stream` (the functions' logs on the terminal)."""
    mode = os.environ.get("LOCAL_LOGS", "file").strip().lower()
    if mode not in LOG_MODES:
        raise SystemExit(f"LOCAL_LOGS must be one of {', '.join(LOG_MODES)}, not {mode!r}")
    return mode


def log_file() -> Path:
    """LOCAL_LOG_FILE, or .local/logs/functions.log in the repository (git-ignored)."""
    configured = os.environ.get("LOCAL_LOG_FILE", "").strip()
    return Path(configured).resolve() if configured else DEFAULT_LOG_FILE


def send_function_logs_to(path: Path) -> TextIO:
    """Points the process's stdout at `path` (emptied first): every function's log line, and
    anything else printed in-process, lands there. Returns the terminal, for the console. To
    be called before the functions (and Powertools) are imported: a logger keeps the stream it
    found when it was created."""
    terminal = sys.stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout = path.open("w", encoding="utf-8", buffering=1)  # line-buffered: tail -f works
    return terminal


def format_line(done: RequestDone | BatchDone) -> str:
    """`09:32:49  GET    /v1/account        200    18 ms  AccountFunction`; a batch shows its
    queue and size, then `ok` or how many messages failed."""
    clock = time.strftime("%H:%M:%S")
    if isinstance(done, BatchDone):
        what = f"SQS    {done.queue} ({done.messages} msg)"
        outcome = f"{done.failures} failed" if done.failures else "ok"
        function = done.function
    else:
        what = f"{done.method:<6} {done.path}"
        outcome = str(done.status)
        function = done.function or "-"
    return f"{clock}  {what:<44} {outcome:>8} {done.milliseconds:>6.0f} ms  {function}"


class Console:
    """Writes to the terminal, one whole line at a time. Nothing is shown of the requests and
    batches before `go_live` (the seed's), so the ready block ends the startup output."""

    def __init__(self, terminal: TextIO) -> None:
        self.terminal = terminal
        self._lock = threading.Lock()
        self._live = False

    def print(self, text: str = "") -> None:
        with self._lock:
            self.terminal.write(text + "\n")
            self.terminal.flush()

    def on_activity(self, done: RequestDone | BatchDone) -> None:
        if self._live:
            self.print(format_line(done))

    def go_live(self) -> None:
        self._live = True
