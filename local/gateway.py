"""A small local API Gateway (HTTP API) and Lambda event-source poller.

Routes come from the HttpApi events in template.yaml. Like the HTTP API JWT authorizer it verifies
the bearer token (HS256 dev tokens locally) and hands the handler the claims as strings, arrays
flattened the way API Gateway flattens them ("[support admin]"). Handlers run in-process, one
invocation at a time across all functions (see LambdaFunction.lock). SQS event source mappings
are emulated by polling the queue and reporting partial batch failures like Lambda does. A
function that invokes another (the download asking the renderer) reaches it through Lambda's
Invoke API, served here too."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

from local.cfn import ROOT, load_template, resources_of_type
from local.resources import LocalResources, aws_client

Handler = Callable[[dict[str, Any], Any], Any]

OPENAPI_PATH = "/v1/openapi.json"
# Lambda's Invoke API, for functions that call another one (boto3 with AWS_ENDPOINT_URL_LAMBDA).
LAMBDA_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<function>[^/]+)/invocations")
OPENAPI_DOCUMENT = ROOT / "docs" / "openapi.json"
JWT_ISSUER = "https://auth.local.test"
JWT_AUDIENCE = "account-billing-local"
TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


class QuietHTTPServer(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of new connections (the load test opens 200
    # at once) overflows it and the kernel resets some. API Gateway takes bursts; so must we.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing its keep-alive connection is normal, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


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

    def invoke(self, event: dict[str, Any], *, hold_lock: bool = True) -> Any:
        with self.lock if hold_lock else nullcontext():
            return self.handler()(event, FakeContext(self))


class FakeContext:
    """What Powertools reads from the Lambda context."""

    def __init__(self, function: LambdaFunction) -> None:
        self.function_name = function.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:000000000000:function:{function.logical_id}"
        )
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.logical_id}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Route:
    method: str
    path: str
    function: LambdaFunction
    authorized: bool
    pattern: re.Pattern[str]

    @property
    def specificity(self) -> tuple[int, int]:
        segments = self.path.strip("/").split("/")
        return (sum(1 for s in segments if not s.startswith("{")), len(segments))


def _route_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{([A-Za-z0-9_]+)\+?\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{regex}$")


def load_functions_and_routes() -> tuple[dict[str, LambdaFunction], list[Route]]:
    template = load_template()
    global_timeout = int(template["Globals"]["Function"].get("Timeout", 3))
    functions: dict[str, LambdaFunction] = {}
    routes: list[Route] = []
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        properties = resource["Properties"]
        code_dir = properties["CodeUri"].strip("/").replace("/", ".")
        module_file, handler_name = properties["Handler"].rsplit(".", 1)
        function = LambdaFunction(
            logical_id=logical_id,
            module_name=f"{code_dir}.{module_file}",
            handler_name=handler_name,
            timeout=int(properties.get("Timeout", global_timeout)),
        )
        functions[logical_id] = function
        for event in properties.get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            event_properties = event["Properties"]
            auth = event_properties.get("Auth", {})
            routes.append(
                Route(
                    method=event_properties["Method"].upper(),
                    path=event_properties["Path"],
                    function=function,
                    authorized=auth.get("Authorizer") != "NONE",
                    pattern=_route_pattern(event_properties["Path"]),
                )
            )
    routes.sort(key=lambda route: route.specificity, reverse=True)
    return functions, routes


def flatten_claim(value: Any) -> str:
    """API Gateway hands every claim to the integration as a string; arrays become "[a b]"."""
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def issue_token(
    secret: str,
    subject: str,
    *,
    email: str | None = None,
    groups: list[str] | None = None,
    ttl_seconds: int = 30 * 24 * 3600,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if email:
        claims["email"] = email
    if groups:
        claims["cognito:groups"] = groups
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: str, authorization: str | None) -> dict[str, Any] | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            audience=JWT_AUDIENCE,
            issuer=JWT_ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    return claims


def build_http_event(
    route: Route,
    path_parameters: dict[str, str],
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    claims: dict[str, Any] | None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    content_type = headers.get("content-type", "")
    is_text = not body or content_type.startswith(TEXT_TYPES)
    if is_text and body:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            is_text = False  # not valid text: handed over base64-encoded, as binary

    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": headers.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": uuid.uuid4().hex[:16],
        "routeKey": f"{route.method} {route.path}",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {
            "jwt": {
                "claims": {key: flatten_claim(value) for key, value in claims.items()},
                "scopes": None,
            }
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": request_context,
        "isBase64Encoded": not is_text,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
    return event


class Gateway:
    def __init__(self, *, port: int, jwt_secret: str) -> None:
        self.functions, self.routes = load_functions_and_routes()
        self.jwt_secret = jwt_secret
        self.server = QuietHTTPServer(("127.0.0.1", port), self._request_handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                gateway.handle(self)

            def __getattr__(self, name: str) -> Any:
                # Every method reaches the router (an unknown one is a 404, as on AWS).
                if name.startswith("do_"):
                    return self._handle
                raise AttributeError(name)

        return RequestHandler

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            lowered = key.lower()
            headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
        if request.command == "GET" and split.path == OPENAPI_PATH:
            self._send_openapi(request)
            return
        invoked = LAMBDA_INVOKE_PATH.fullmatch(split.path)
        if request.command == "POST" and invoked:
            self._invoke_function(request, unquote(invoked["function"]), headers, body)
            return
        matched = self.match(request.command, split.path)
        if matched is None:
            self._send_json(request, 404, "not_found", "No such route.")
            return
        route, path_parameters = matched
        claims = None
        if route.authorized:
            claims = verify_token(self.jwt_secret, headers.get("authorization"))
            if claims is None:
                # The real authorizer answers {"message": "Unauthorized"}; we add API.md's body.
                self._send_json(request, 401, "unauthorized", "A valid bearer token is required.")
                return
        event = build_http_event(
            route,
            path_parameters,
            method=request.command,
            raw_path=split.path,
            raw_query=split.query,
            headers=headers,
            body=body,
            claims=claims,
        )
        try:
            result = route.function.invoke(event)
        except Exception:
            self._send_json(request, 500, "internal_error", "Internal Server Error")
            return
        self._send_result(request, result)

    def _invoke_function(
        self,
        request: BaseHTTPRequestHandler,
        function_name: str,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        """Lambda's Invoke API (RequestResponse), as boto3's Lambda client calls it: the answer
        is the handler's return value, or its error with `X-Amz-Function-Error: Unhandled`."""
        # A name, or an ARN (possibly with a qualifier): the functions are named by logical id.
        function = self.functions.get(function_name.split(":function:")[-1].split(":")[0])
        invocation_type = headers.get("x-amz-invocation-type", "RequestResponse")
        if function is None or invocation_type != "RequestResponse":
            error_type, status = (
                ("ResourceNotFoundException", 404)
                if function is None
                else ("InvalidParameterValueException", 400)
            )
            refusal = {"Type": "User", "message": f"{error_type}: {function_name}"}
            self._send_bytes(
                request, status, json.dumps(refusal).encode(), {"x-amzn-errortype": error_type}
            )
            return
        extra = {"x-amz-executed-version": "$LATEST"}
        try:
            # Not under the invocation lock: the caller is a function that holds it while it
            # waits for this answer (the download asking the renderer for a PDF), so taking it
            # would deadlock. Nothing else runs meanwhile: every other invocation needs the lock.
            result = function.invoke(json.loads(body or b"{}"), hold_lock=False)
            payload = json.dumps(result).encode()
        except Exception as error:
            payload = json.dumps(
                {"errorMessage": str(error), "errorType": type(error).__name__}
            ).encode()
            extra["x-amz-function-error"] = "Unhandled"
        self._send_bytes(request, 200, payload, extra)

    @staticmethod
    def _send_bytes(
        request: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict[str, str]
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    @staticmethod
    def _send_openapi(request: BaseHTTPRequestHandler) -> None:
        """The checked-in document (tests keep it equal to what the code generates)."""
        Gateway._send_bytes(request, 200, OPENAPI_DOCUMENT.read_bytes(), {})

    @staticmethod
    def _send_json(request: BaseHTTPRequestHandler, status: int, code: str, message: str) -> None:
        payload = json.dumps(
            {"message": HTTPStatus(status).phrase, "error": {"code": code, "message": message}}
        ).encode()
        Gateway._send_bytes(request, status, payload, {})

    @staticmethod
    def _send_result(request: BaseHTTPRequestHandler, result: Any) -> None:
        if not isinstance(result, dict) or "statusCode" not in result:
            # HTTP API payload v2: a bare value is a 200 JSON body.
            result = {
                "statusCode": 200,
                "body": json.dumps(result),
                "headers": {"content-type": "application/json"},
            }
        body_text = result.get("body") or ""
        payload = (
            base64.b64decode(body_text) if result.get("isBase64Encoded") else body_text.encode()
        )
        request.send_response(int(result["statusCode"]))
        headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key.lower()] = ",".join(str(v) for v in values)
        headers.setdefault("content-type", "application/json")
        for key, value in headers.items():
            if key != "content-length":
                request.send_header(key, value)
        for cookie in result.get("cookies") or []:
            request.send_header("Set-Cookie", cookie)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


@dataclass
class SqsSource:
    function: LambdaFunction
    queue_url: str
    queue_arn: str
    batch_size: int
    reports_failures: bool


class SqsPoller:
    """Emulates Lambda's SQS event source mapping: receive, invoke, delete what succeeded.

    Failed messages become visible again after `retry_seconds` (instead of the queue's full
    visibility timeout) so local retries happen in seconds; the redrive policy still applies."""

    def __init__(
        self,
        resources: LocalResources,
        functions: dict[str, LambdaFunction],
        *,
        retry_seconds: int = 1,
    ) -> None:
        self.sqs = aws_client("sqs", resources.endpoint_url)
        self.retry_seconds = retry_seconds
        self.sources: list[SqsSource] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        template = load_template()
        for logical_id, resource in resources_of_type(
            template, "AWS::Serverless::Function"
        ).items():
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] != "SQS":
                    continue
                queue_id = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                self.sources.append(
                    SqsSource(
                        function=functions[logical_id],
                        queue_url=resources.physical[queue_id],
                        queue_arn=resources.queue_arns[queue_id],
                        batch_size=int(event["Properties"].get("BatchSize", 10)),
                        reports_failures="ReportBatchItemFailures"
                        in event["Properties"].get("FunctionResponseTypes", []),
                    )
                )

    def start(self) -> None:
        for source in self.sources:
            thread = threading.Thread(target=self._run, args=(source,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()

    def _run(self, source: SqsSource) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(source, wait_seconds=1)
            except Exception:
                time.sleep(0.5)

    def poll_once(self, source: SqsSource, *, wait_seconds: int = 0) -> int:
        received = self.sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [self._record(source, message) for message in received]}
        failed: set[str] = {message["MessageId"] for message in received}
        try:
            response = source.function.invoke(event)
            if source.reports_failures and isinstance(response, dict):
                failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
            else:
                failed = set()
        except Exception:
            pass
        for message in received:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_seconds,
                )
            else:
                self.sqs.delete_message(
                    QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return len(received)

    @staticmethod
    def _record(source: SqsSource, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody")
            or hashlib.md5(message["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": source.queue_arn,
            "awsRegion": "us-east-1",
        }
