"""`make dev`: run the whole system locally until SIGINT/SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from local.stack import LocalStack, StackConfig


def main() -> int:
    config = StackConfig.from_environment()
    stack = LocalStack(config)
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
            f"  localstripe    {stack.stripe_url}",
        ]
        if seed == "demo":
            from local.seed import seed_demo

            result = seed_demo(stack)
            lines += [
                f"  agent token    {result.agent_token}",
                f"  support token  {result.support_token}",
                f"  page as agent  {stack.api_url}/?token={result.agent_token}",
            ]
        print(f"account-billing local stack ready at {stack.api_url}", flush=True)
        print("\n".join(lines), flush=True)
        stopping.wait()
    finally:
        print("stopping local stack", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
