"""The template's functions, run in-process: each is imported on its first invocation and handed
the one stand-in Lambda context of the project (testing.lambda_context)."""

from __future__ import annotations

import importlib
import json
import sys
import threading
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from local.cfn import resources_of_type
from testing.lambda_context import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]

INVOCATION_LOCK = threading.RLock()


@dataclass
class LambdaFunction:
    logical_id: str
    module_name: str
    handler_name: str
    timeout: int
    # One lock for every function: Powertools keeps the current event on a class attribute
    # shared by all resolvers in a process, so two functions running at once in this one
    # process could read each other's request. (In AWS each container is its own process.)
    lock: threading.RLock = field(default_factory=lambda: INVOCATION_LOCK)
    _handler: Handler | None = None

    def handler(self) -> Handler:
        if self._handler is None:
            module = importlib.import_module(self.module_name)
            self._handler = getattr(module, self.handler_name)
        return self._handler

    def context(self) -> LambdaContext:
        return LambdaContext(self.logical_id, timeout_seconds=self.timeout)

    def invoke(self, event: dict[str, Any], *, hold_lock: bool = True) -> Any:
        with self.lock if hold_lock else nullcontext():
            context = self.context()
            try:
                return self.handler()(event, context)
            except Exception as error:
                self._log_unhandled(error, context)
                raise

    def _log_unhandled(self, error: Exception, context: LambdaContext) -> None:
        """What the Lambda runtime logs of an error the handler let out, into the functions'
        log (stdout), where it can be found after the 500 or the failed batch."""
        record = {
            "level": "ERROR",
            "function_name": self.logical_id,
            "function_request_id": context.aws_request_id,
            "errorType": type(error).__name__,
            "errorMessage": str(error),
            "stackTrace": traceback.format_exception(error),
        }
        print(json.dumps(record), file=sys.stdout, flush=True)


def load_functions(template: dict[str, Any]) -> dict[str, LambdaFunction]:
    """Every AWS::Serverless::Function of the template, by logical id."""
    global_timeout = int(template["Globals"]["Function"].get("Timeout", 3))
    functions: dict[str, LambdaFunction] = {}
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        properties = resource["Properties"]
        code_dir = properties["CodeUri"].strip("/").replace("/", ".")
        module_file, handler_name = properties["Handler"].rsplit(".", 1)
        functions[logical_id] = LambdaFunction(
            logical_id=logical_id,
            module_name=f"{code_dir}.{module_file}",
            handler_name=handler_name,
            timeout=int(properties.get("Timeout", global_timeout)),
        )
    return functions
