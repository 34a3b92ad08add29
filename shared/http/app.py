"""The HTTP edge shared by every API function: one resolver factory, one place that turns domain
exceptions into API.md's error bodies, and one Lambda entry-point wrapper."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pynamodb.exceptions import PynamoDBException

from shared.errors import DomainError, InvalidRequest, RawCardDataRejected
from shared.http.gate import check_body, check_path_ids
from shared.http.resolver import (
    APIGatewayHttpResolver,
    NotFoundError,
    RequestUnsupportedContentType,
    RequestValidationError,
    Response,
    content_types,
)
from shared.observability import logger, metrics
from shared.runtime import cached_settings

# Routes whose bodies are also searched for card numbers by value (API.md, "Hostile input").
BILLING_PATHS = ("/v1/billing/",)

JSON_ONLY = "Send the request body as JSON (Content-Type: application/json)."

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def error_response(
    status_code: int,
    code: str,
    message: str,
    **extra: Any,
) -> Response[str]:
    body = {"error": {"code": code, "message": message, **extra}}
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
    )


def _field_name(location: tuple[Any, ...]) -> str:
    # Powertools reports ("body", "reason") or ("query", "limit"); clients want "reason"/"limit".
    parts = [str(part) for part in location[1:]] or [str(part) for part in location]
    return ".".join(parts)


def create_app() -> APIGatewayHttpResolver:
    """The resolver every API function uses, with API.md's error bodies.

    Validation is per route. Powertools' event-handler validation is built on pydantic, whose
    import alone adds about a third to a function's cold start, so reads never pay for it:
    - a route that takes a body (or answers with a pydantic model) opts in with Powertools'
      `enable_validation=True`, and names its model through `lazy_module`, so pydantic loads
      when that route is first called;
    - a route that takes a query checks it against JSON Schema (`shared.http.query`);
    - every other input is the verified token or a path id, and answers are TypedDicts."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(DomainError)
    def handle_domain_error(error: DomainError) -> Response[str]:
        if error.status_code >= 500:
            logger.warning("dependency failure", extra={"code": error.code})
        return error_response(error.status_code, error.code, error.message, **error.extra)

    @app.exception_handler(RequestValidationError)
    def handle_validation_error(error: RequestValidationError) -> Response[str]:
        fields = [
            {"field": _field_name(tuple(item.get("loc", ()))), "message": str(item.get("msg"))}
            for item in error.errors()
        ]
        return error_response(
            400, "invalid_request", "The request is not valid; see fields.", fields=fields
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def handle_unsupported_content_type(_: RequestUnsupportedContentType) -> Response[str]:
        return error_response(400, "invalid_request", JSON_ONLY)

    @app.not_found
    def handle_unknown_route(_: NotFoundError) -> Response[str]:
        return error_response(404, "not_found", "No such route.")

    @app.exception_handler(PynamoDBException)
    def handle_data_layer_failure(_: PynamoDBException) -> Response[str]:
        # Throttling, a transaction that collided with another, a timeout: nothing was written
        # (a conditional write that failed is a domain answer, raised as a DomainError), so the
        # caller can retry. Never a 409 or "already exists" (shared.data.conditions).
        logger.exception("data layer failure")
        return error_response(
            503, "service_unavailable", "The service is busy; retry the request shortly."
        )

    @app.exception_handler(Exception)
    def handle_unexpected(_: Exception) -> Response[str]:
        # The trace goes to the log (with the request id), never to the client.
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")

    return app


def lazy_module(name: str) -> ModuleType:
    """The module `name`, executed on first attribute access (the standard library's LazyLoader).

    Route signatures are annotations evaluated by Powertools only when the route is first
    validated (`from __future__ import annotations`), so `body: requests.Model` with
    `requests = lazy_module(...)` keeps the model's module, and pydantic, off other routes."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def _body_text(event: dict[str, Any]) -> str | None:
    """The request body as text; ValueError when it is not UTF-8 (so cannot be JSON)."""
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return str(body)


def _is_json_media_type(event: dict[str, Any]) -> bool:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _is_billing_route(event: dict[str, Any]) -> bool:
    route_key = str(event.get("routeKey") or "")
    return route_key.partition(" ")[2].startswith(BILLING_PATHS)


def _as_lambda_response(response: Response[str]) -> dict[str, Any]:
    return _with_safe_headers(
        {
            "statusCode": response.status_code,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": response.body,
            "isBase64Encoded": False,
        }
    )


def http_handler(
    app: APIGatewayHttpResolver,
    *,
    gate_body: bool = True,
    authorize: Callable[[dict[str, Any]], object] | None = None,
) -> LambdaHandler:
    """Wraps a resolver into the Lambda entry point with logging and metrics.

    Every body passes the gate (`shared.http.gate`: size, depth, number sizes, JSON, raw card
    data) here, before validation and before anything could log it. Only the Stripe webhook
    opts out: its body is verified by its signature, can exceed our size limit, and
    legitimately carries keys such as `number` (invoice numbers) and `exp_month`.

    `authorize`, when given, checks the caller before anything of the request is parsed (it
    raises a DomainError, e.g. 403): Powertools validates a body before the route runs."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        cached_settings()
        try:
            if authorize is not None:
                authorize(event)
            _check_request(event, gate_body=gate_body)
        except RawCardDataRejected as refused:
            logger.warning("raw card data refused; body discarded")
            return _refusal(refused)
        except DomainError as refused:
            return _refusal(refused)
        return _with_safe_headers(app.resolve(event, context))

    return lambda_handler


def _check_request(event: dict[str, Any], *, gate_body: bool) -> None:
    # Every body this API takes is UTF-8 JSON; anything else is refused here, before
    # Powertools' form/multipart parsers (which raise on malformed input) see it.
    try:
        body = _body_text(event)
    except ValueError:
        raise InvalidRequest(JSON_ONLY) from None
    if body is not None and not _is_json_media_type(event):
        raise InvalidRequest(JSON_ONLY)
    check_path_ids(event.get("pathParameters"))
    if gate_body:
        check_body(body, card_values=_is_billing_route(event))


def _refusal(error: DomainError) -> dict[str, Any]:
    return _as_lambda_response(error_response(error.status_code, error.code, error.message))


def _with_safe_headers(response: dict[str, Any]) -> dict[str, Any]:
    """API Gateway adds neither: answers are per caller (never cached by a proxy or the
    browser's back button) and must not be sniffed into another type. Pages set their own."""
    headers = response.setdefault("headers", {})
    headers.setdefault("Cache-Control", "no-store")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
