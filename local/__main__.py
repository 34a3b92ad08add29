"""`make dev`: run the whole system locally until SIGINT/SIGTERM.

The terminal shows the ready block, then one line per request and queue batch; the functions'
JSON logs go to .local/logs/functions.log (LOCAL_LOG_FILE: elsewhere; LOCAL_LOGS=stream: to the
terminal instead)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from local.console import Console, log_file, log_mode, send_function_logs_to


def main() -> int:
    mode, logs = log_mode(), log_file()
    # Before anything imports the functions: their loggers keep the stdout they find.
    terminal = send_function_logs_to(logs) if mode == "file" else sys.stdout
    console = Console(terminal)

    from local.stack import LocalStack, StackConfig

    config = StackConfig.from_environment()
    stack = LocalStack(config)
    stack.activity.subscribe(console.on_activity)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
        seed = os.environ.get("SEED", "demo")
        lines = [
            f"  billing page   {stack.api_url}/",
            f"  API            {stack.api_url}/v1/health",
            f"  moto (AWS)     {stack.aws_url}",
            f"  Lambda invoke  {stack.lambda_url}  (SigV4, local credentials only)",
            f"  localstripe    {stack.stripe_url}",
            f"  Stripe catch-up every {stack.config.catch_up_interval_s:g} s (CATCHUP_INTERVAL_S)",
        ]
        if seed == "demo":
            from local.seed import seed_demo

            result = seed_demo(stack)
            lines += [
                f"  agent token    {result.agent_token}",
                f"  support token  {result.support_token}",
                f"  page as agent  {stack.api_url}/?token={result.agent_token}",
                f"  support console {stack.api_url}/support?token={result.support_token}",
            ]
        # The seed's webhooks and PDF renders arrive for a few seconds: let them finish, so
        # the ready block stays the last thing on screen until a request arrives.
        stack.wait_until_quiet()
        if mode == "file":
            lines.append(f"  function logs  {logs}  (LOCAL_LOGS=stream: here instead)")
        console.print(f"account-billing local stack ready at {stack.api_url}")
        console.print("\n".join(lines))
        console.print("  one line per request and queue batch follows; Ctrl-C stops")
        console.go_live()
        stopping.wait()
    finally:
        console.print("stopping local stack")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
