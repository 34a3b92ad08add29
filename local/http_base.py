"""What the local listeners (the API and Lambda's Invoke API) share: a threaded loopback server
that takes bursts, a request handler that reads a body only when its framing is sound, and the
listener around them (its thread, and each request timed and reported before it is answered).

The stdlib parses the request line and headers; the body is ours to read, and a body we cannot
delimit exactly must never be read as the next request on the connection. So: a Content-Length
that is not a plain number is a 400; a body shorter than its Content-Length is waited for a few
seconds at most, then a 400; `Transfer-Encoding` (chunked) is refused with a 411, as a Lambda
proxy payload has a length; each of these closes the connection after the answer."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from local.activity import Activity, RequestDone

if TYPE_CHECKING:
    from local.functions import LambdaFunction

# API Gateway's payload quota.
MAX_BODY_BYTES = 10 * 1024 * 1024
CONTENT_LENGTH = re.compile(r"[0-9]{1,12}")


class LoopbackHTTPServer(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of new connections (the load test opens 200
    # at once) overflows it and the kernel resets some. API Gateway takes bursts; so must we.
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing its keep-alive connection is normal, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    cookies: list[str] = field(default_factory=list)
    close: bool = False


def json_error(status: int, code: str, message: str, *, close: bool = False) -> Reply:
    """The gateway's own answers: API Gateway's `message` plus API.md's `error` object."""
    body = {"message": HTTPStatus(status).phrase, "error": {"code": code, "message": message}}
    return Reply(
        status,
        json.dumps(body).encode(),
        {
            "content-type": "application/json",
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
        close=close,
    )


class FramingError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class LocalRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection (or one stuck in its headers) is closed after this long.
    timeout = 60
    # How long a body that is shorter than its Content-Length is waited for, in all.
    body_timeout_seconds = 5.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        # Every method reaches `serve` (an unknown one is a 404 there, as on AWS).
        if name.startswith("do_"):
            return self._serve_one
        raise AttributeError(name)

    def serve(self) -> None:
        raise NotImplementedError

    def _serve_one(self) -> None:
        self.serve()

    def header_map(self) -> dict[str, str]:
        """Lower-case names; a repeated header's values joined with commas, as API Gateway."""
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            lowered = key.lower()
            headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
        return headers

    def read_body(self) -> bytes:
        """The body, delimited by a sound Content-Length; FramingError (with the answer)
        otherwise."""
        if self.headers.get_all("Transfer-Encoding"):
            refusal = "Send the body with a Content-Length, not chunked."
            raise FramingError(json_error(411, "length_required", refusal, close=True))
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if not lengths:
            return b""
        length = lengths.pop()
        if lengths or not CONTENT_LENGTH.fullmatch(length):
            raise FramingError(
                json_error(400, "invalid_request", "The Content-Length is not valid.", close=True)
            )
        size = int(length)
        if size > MAX_BODY_BYTES:
            raise FramingError(
                json_error(413, "payload_too_large", "The body is too large.", close=True)
            )
        return self._read_exactly(size)

    def _read_exactly(self, size: int) -> bytes:
        deadline = time.monotonic() + self.body_timeout_seconds
        received = bytearray()
        try:
            while len(received) < size:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.connection.settimeout(left)
                chunk = self.rfile.read1(size - len(received))
                if not chunk:
                    raise TimeoutError  # the client closed its side before the whole body
                received += chunk
        except TimeoutError:
            refusal = "The body is shorter than its Content-Length."
            raise FramingError(json_error(400, "invalid_request", refusal, close=True)) from None
        finally:
            self.connection.settimeout(self.timeout)
        return bytes(received)

    def send_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = {key.lower(): value for key, value in reply.headers.items()}
        no_content = reply.status == HTTPStatus.NO_CONTENT
        if not no_content:
            headers.setdefault("content-type", "application/json")
        for key, value in headers.items():
            if key not in ("content-length", "connection"):
                self.send_header(key, value)
        for cookie in reply.cookies:
            self.send_header("Set-Cookie", cookie)
        if not no_content:  # a 204 has no body, and so no Content-Length (RFC 9110)
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and not no_content:
            self.wfile.write(reply.body)


class LocalListener:
    """A listener on a loopback port, served on its own thread. Each request: its body read (a
    framing error is its own answer), answered by `reply_to`, reported to the activity, then
    sent after `finish`."""

    def __init__(self, *, port: int, activity: Activity | None = None) -> None:
        self.activity = activity or Activity()
        self.server = LoopbackHTTPServer(("127.0.0.1", port), self._handler_class())
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

    def reply_to(
        self, request: LocalRequestHandler, body: bytes
    ) -> tuple[Reply, LambdaFunction | None]:
        """The answer, and the function that gave it (None when none was reached)."""
        raise NotImplementedError

    def reported_as(
        self, request: LocalRequestHandler, function: LambdaFunction | None
    ) -> tuple[str, str]:
        """The method and path the activity reports (never the query: it may carry a token)."""
        return request.command, urlsplit(request.path).path

    def finish(self, request: LocalRequestHandler, reply: Reply) -> Reply:
        return reply

    def serve(self, request: LocalRequestHandler) -> None:
        started = time.perf_counter()
        function: LambdaFunction | None = None
        with self.activity.working():
            try:
                body = request.read_body()
                reply, function = self.reply_to(request, body)
            except FramingError as refused:
                reply = refused.reply
            method, path = self.reported_as(request, function)
            # Reported before it is sent: whoever got the answer can count on the report.
            self.activity.report(
                RequestDone(
                    method=method,
                    path=path,
                    status=reply.status,
                    milliseconds=(time.perf_counter() - started) * 1000,
                    function=function.logical_id if function else None,
                )
            )
            request.send_reply(self.finish(request, reply))

    def _handler_class(self) -> type[LocalRequestHandler]:
        listener = self

        class Handler(LocalRequestHandler):
            def serve(self) -> None:
                listener.serve(self)

        return Handler
