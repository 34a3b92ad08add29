"""Lambda's Invoke API on its own loopback port, as AWS serves it on its own endpoint: a function
that invokes another one (the download asking the renderer for a PDF) reaches it with boto3,
given this address in `AWS_ENDPOINT_URL_LAMBDA`.

Only callers holding the stack's credentials may invoke: a request must be SigV4-signed with
them (as boto3 signs it), and anything a browser sends (it carries an `Origin`) is refused, so
a web page cannot drive the functions from behind the API's authorizer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from local.activity import Activity
from local.functions import LambdaFunction
from local.http_base import LocalListener, LocalRequestHandler, Reply
from local.sigv4 import Refusal, verify

INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<function>[^/]+)/invocations")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


def _aws_error(status: int, error_type: str, message: str) -> Reply:
    return Reply(
        status,
        json.dumps({"Type": "User", "message": message}).encode(),
        {"content-type": "application/json", "x-amzn-errortype": error_type},
    )


def _refused(refusal: Refusal) -> Reply:
    return _aws_error(403, refusal.error_type, refusal.message)


class LambdaInvokeServer(LocalListener):
    def __init__(
        self,
        functions: dict[str, LambdaFunction],
        *,
        port: int,
        credentials: Credentials,
        activity: Activity | None = None,
    ) -> None:
        self.functions = functions
        self.credentials = credentials
        super().__init__(port=port, activity=activity)

    def reported_as(
        self, request: LocalRequestHandler, function: LambdaFunction | None
    ) -> tuple[str, str]:
        return "INVOKE", function.logical_id if function else urlsplit(request.path).path

    def reply_to(
        self, request: LocalRequestHandler, body: bytes
    ) -> tuple[Reply, LambdaFunction | None]:
        if request.headers.get("Origin") is not None or request.headers.get("Sec-Fetch-Mode"):
            return _aws_error(403, "AccessDeniedException", "Browsers may not invoke."), None
        split = urlsplit(request.path)
        refusal = verify(
            method=request.command,
            raw_path=split.path,
            raw_query=split.query,
            headers=request.headers,
            body=body,
            access_key_id=self.credentials.access_key_id,
            secret_access_key=self.credentials.secret_access_key,
            service="lambda",
        )
        if refusal is not None:
            return _refused(refusal), None
        invoked = INVOKE_PATH.fullmatch(split.path)
        if request.command != "POST" or invoked is None:
            return _aws_error(404, "UnknownOperationException", "Unknown operation."), None
        function_name = unquote(invoked["function"])
        # A name, or an ARN (possibly with a qualifier): the functions are named by logical id.
        function = self.functions.get(function_name.split(":function:")[-1].split(":")[0])
        if function is None:
            message = f"ResourceNotFoundException: {function_name}"
            return _aws_error(404, "ResourceNotFoundException", message), None
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type != "RequestResponse":
            message = f"InvalidParameterValueException: {invocation_type}"
            return _aws_error(400, "InvalidParameterValueException", message), function
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            message = "Could not parse request body into json."
            return _aws_error(400, "InvalidRequestContentException", message), function
        return self.invoke(function, event), function

    @staticmethod
    def invoke(function: LambdaFunction, event: Any) -> Reply:
        """RequestResponse, as boto3's Lambda client calls it: the answer is the handler's
        return value, or its error with `X-Amz-Function-Error: Unhandled`."""
        headers = {"content-type": "application/json", "x-amz-executed-version": "$LATEST"}
        try:
            # Not under the invocation lock: the caller is a function that holds it while it
            # waits for this answer (the download asking the renderer for a PDF), so taking it
            # would deadlock. Nothing else runs meanwhile: every other invocation needs the lock.
            result = function.invoke(event, hold_lock=False)
            payload = json.dumps(result).encode()
        except Exception as error:
            payload = json.dumps(
                {"errorMessage": str(error), "errorType": type(error).__name__}
            ).encode()
            headers["x-amz-function-error"] = "Unhandled"
        return Reply(200, payload, headers)
