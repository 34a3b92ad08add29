"""The one stand-in for the Lambda context object: the attributes Powertools reads, and the
remaining time counted down from the function's timeout. The local stack, the tests and the
bench all hand this to handlers; fresh-process probes import it too (it needs nothing else)."""

from __future__ import annotations

import time
import uuid

REGION = "us-east-1"
ACCOUNT = "000000000000"


class LambdaContext:
    def __init__(self, function_name: str = "local", *, timeout_seconds: float = 30.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
