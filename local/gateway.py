"""A small local API Gateway (HTTP API), on the API port.

Routes come from the HttpApi events in template.yaml (local.routing). Like the HTTP API JWT
authorizer it verifies the bearer token (HS256 dev tokens, local.dev_tokens) and hands the
handler a v2 payload event (local.http_events); CORS is the template's (local.cors). Handlers
run in-process, one invocation at a time across all functions (local.functions). Lambda's
Invoke API has its own port (local.lambda_invoke), and SQS event sources their poller
(local.sqs_poller); neither is reachable here."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from local.activity import Activity
from local.cfn import ROOT, load_template
from local.cors import CorsPolicy, is_preflight
from local.dev_tokens import JWT_AUDIENCE, JWT_ISSUER, flatten_claim, issue_token, verify_token
from local.functions import LambdaFunction
from local.http_base import LocalListener, LocalRequestHandler, Reply, json_error
from local.http_events import build_http_event
from local.routing import Route, load_functions_and_routes, match_route
from local.sqs_poller import SqsPoller, SqsSource

__all__ = [
    "JWT_AUDIENCE",
    "JWT_ISSUER",
    "Gateway",
    "LambdaFunction",
    "Route",
    "SqsPoller",
    "SqsSource",
    "build_http_event",
    "flatten_claim",
    "issue_token",
    "load_functions_and_routes",
    "reply_from_result",
    "verify_token",
]

OPENAPI_PATH = "/v1/openapi.json"
OPENAPI_DOCUMENT = ROOT / "docs" / "openapi.json"


def reply_from_result(result: Any) -> Reply:
    """A function's answer in payload format 2.0, as API Gateway turns it into HTTP."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # A bare value is a 200 JSON body.
        return Reply(200, json.dumps(result).encode(), {"content-type": "application/json"})
    body_text = result.get("body") or ""
    payload = base64.b64decode(body_text) if result.get("isBase64Encoded") else body_text.encode()
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ",".join(str(v) for v in values)
    return Reply(
        int(result["statusCode"]),
        payload,
        headers,
        cookies=[str(cookie) for cookie in result.get("cookies") or []],
    )


class Gateway(LocalListener):
    def __init__(self, *, port: int, jwt_secret: str, activity: Activity | None = None) -> None:
        self.functions, self.routes = load_functions_and_routes()
        self.jwt_secret = jwt_secret
        self.cors = CorsPolicy.from_template(load_template(), allow_loopback=True)
        super().__init__(port=port, activity=activity)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        return match_route(self.routes, method, path)

    def reply_to(
        self, request: LocalRequestHandler, body: bytes
    ) -> tuple[Reply, LambdaFunction | None]:
        return self.answer(request.command, request.path, request.header_map(), body)

    def finish(self, request: LocalRequestHandler, reply: Reply) -> Reply:
        return self._with_cors(request.command, request.header_map(), reply)

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[Reply, LambdaFunction | None]:
        split = urlsplit(target)
        if self.cors is not None and is_preflight(method, headers):
            preflight = self.cors.preflight(
                headers["origin"], headers.get("access-control-request-headers")
            )
            return Reply(204, b"", preflight), None
        if method == "GET" and split.path == OPENAPI_PATH:
            # The checked-in document (tests keep it equal to what the code generates).
            return Reply(200, OPENAPI_DOCUMENT.read_bytes()), None
        matched = self.match(method, split.path)
        if matched is None:
            return json_error(404, "not_found", "No such route."), None
        route, path_parameters = matched
        claims = None
        if route.authorized:
            claims = verify_token(self.jwt_secret, headers.get("authorization"))
            if claims is None:
                # The real authorizer answers {"message": "Unauthorized"}; we add API.md's body.
                reply = json_error(401, "unauthorized", "A valid bearer token is required.")
                return reply, None
        event = build_http_event(
            route,
            path_parameters,
            method=method,
            raw_path=split.path,
            raw_query=split.query,
            headers=headers,
            body=body,
            claims=claims,
        )
        try:
            result = route.function.invoke(event)
        except Exception:
            return json_error(500, "internal_error", "Internal Server Error"), route.function
        return reply_from_result(result), route.function

    def _with_cors(self, method: str, headers: dict[str, str], reply: Reply) -> Reply:
        """API Gateway ignores the integration's CORS headers and adds its own for an allowed
        origin (a preflight's answer has them already)."""
        if self.cors is None or is_preflight(method, headers):
            return reply
        kept = {k: v for k, v in reply.headers.items() if not k.startswith("access-control-")}
        added = self.cors.response(headers["origin"]) if "origin" in headers else {}
        if "vary" in added and "vary" in kept:
            added["vary"] = f"{kept['vary']}, {added['vary']}"
        reply.headers = {**kept, **added}
        return reply
