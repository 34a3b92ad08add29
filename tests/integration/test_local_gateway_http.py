"""The local API gateway as a browser and a hostile client meet it: CORS from the template's
CorsConfiguration, and broken HTTP framing refused with a 4xx (never a hang, never a body read
as the next request), over real sockets."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import pytest
import requests

from local.cfn import load_template

DASHBOARD_ORIGIN = "https://dashboard.example.com"  # the template's CorsAllowedOrigins default


def cors_configuration() -> dict[str, Any]:
    configuration: dict[str, Any] = load_template()["Resources"]["HttpApi"]["Properties"][
        "CorsConfiguration"
    ]
    return configuration


def access_control_headers(response: requests.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("access-")}


def preflight(stack, origin: str, path: str = "/v1/account", method: str = "GET"):
    return requests.options(
        f"{stack.api_url}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )


# --- CORS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://localhost:9999", "http://127.0.0.1:5173", DASHBOARD_ORIGIN]
)
def test_a_preflight_from_an_allowed_origin_is_answered_with_the_templates_cors(stack, origin):
    configuration = cors_configuration()

    response = preflight(stack, origin)

    assert response.status_code == 204
    assert response.content == b""
    headers = access_control_headers(response)
    assert headers["access-control-allow-origin"] == origin
    assert set(headers["access-control-allow-methods"].split(",")) == set(
        configuration["AllowMethods"]
    )
    assert set(headers["access-control-allow-headers"].lower().split(",")) == {
        name.lower() for name in configuration["AllowHeaders"]
    }
    assert headers["access-control-max-age"] == str(configuration["MaxAge"])


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "https://dashboard.example.com.evil.example", "null"]
)
def test_a_preflight_from_another_origin_gets_no_cors_header(stack, origin):
    response = preflight(stack, origin)

    assert response.status_code == 204
    assert access_control_headers(response) == {}


def test_an_answer_carries_allow_origin_only_for_an_allowed_origin(stack):
    token = stack.token(f"agent-{uuid.uuid4().hex[:8]}")
    for origin, allowed in [("http://localhost:9999", True), ("http://evil.example", False)]:
        headers = {"Origin": origin, "Authorization": f"Bearer {token}"}

        answer = requests.get(f"{stack.api_url}/v1/health", headers=headers, timeout=10)
        # An answer of the gateway itself (the authorizer's 401) too: the page can read it.
        refused = requests.get(
            f"{stack.api_url}/v1/account", headers={"Origin": origin}, timeout=10
        )

        assert answer.status_code == 200
        assert refused.status_code == 401
        for response in (answer, refused):
            cors = access_control_headers(response)
            if allowed:
                assert cors == {"access-control-allow-origin": origin}
                assert "Origin" in response.headers["Vary"]
            else:
                assert cors == {}


def test_options_that_is_not_a_preflight_is_routed_like_any_request(stack):
    response = requests.options(
        f"{stack.api_url}/v1/account", headers={"Origin": "http://localhost:9999"}, timeout=10
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Lambda's Invoke API is not on the API port ------------------------------------------------


def test_the_api_port_does_not_serve_lambdas_invoke_api(stack):
    response = requests.post(
        f"{stack.api_url}/2015-03-31/functions/InvoiceRendererFunction/invocations",
        data=b"{}",
        timeout=10,
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Broken framing, over raw sockets -----------------------------------------------------------


def exchange(stack, raw: bytes, *, wait_seconds: float = 15.0) -> tuple[bytes, float]:
    """Sends `raw` on a fresh connection and reads until the server closes it (or the wait is
    over); what came back and how long that took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", stack.config.api_port), timeout=wait_seconds) as s:
        s.sendall(raw)
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received, time.monotonic() - started


def statuses(received: bytes) -> list[str]:
    """The status codes of the answers in `received`, in order, each delimited by its
    Content-Length (none on a 204)."""
    codes = []
    while received:
        head, separator, rest = received.partition(b"\r\n\r\n")
        assert separator, received
        lines = head.decode("latin-1").split("\r\n")
        code = lines[0].split(" ")[1]
        codes.append(code)
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length:")
            ),
            0,
        )
        received = rest[length:]
    return codes


def account_request(stack, account_id: str, framing: str, body: bytes) -> bytes:
    token = stack.token("support-staff", groups=["support"])
    head = (
        f"POST /v1/support/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{framing}\r\n"
    )
    return head.encode() + body


def account_body(account_id: str) -> bytes:
    return json.dumps(
        {
            "account_id": account_id,
            "email": f"{account_id}@example.com",
            "name": "Framing Test",
            "territories": ["78701"],
        }
    ).encode()


def assert_not_created(support_api, account_id: str) -> None:
    assert support_api.get(f"/v1/support/accounts/{account_id}").status_code == 404


def assert_still_healthy(stack) -> None:
    assert requests.get(f"{stack.api_url}/v1/health", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "content_length",
    ["abc", "-5", "1e3", "+12", " ", "99999999999999999999", "12, 12"],
)
def test_a_content_length_that_is_not_a_number_is_a_400(stack, support_api, content_length):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    body = account_body(account_id)

    received, _ = exchange(
        stack, account_request(stack, account_id, f"Content-Length: {content_length}\r\n", body)
    )

    # One answer, then the connection is closed: the body is not read as a request.
    assert statuses(received) == ["400"], received
    assert_not_created(support_api, account_id)
    assert_still_healthy(stack)


def test_a_body_over_api_gateways_payload_quota_is_a_413_without_reading_it(stack, support_api):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    framing = f"Content-Length: {10 * 1024 * 1024 + 1}\r\n"

    received, elapsed = exchange(
        stack, account_request(stack, account_id, framing, account_body(account_id))
    )

    assert statuses(received) == ["413"], received
    assert elapsed < 3, elapsed  # refused on its headers: nothing waits for ten megabytes
    assert_not_created(support_api, account_id)
    assert_still_healthy(stack)


def test_two_different_content_lengths_are_a_400(stack, support_api):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    body = account_body(account_id)
    framing = f"Content-Length: {len(body)}\r\nContent-Length: 3\r\n"

    received, _ = exchange(stack, account_request(stack, account_id, framing, body))

    assert statuses(received) == ["400"]
    assert_not_created(support_api, account_id)
    assert_still_healthy(stack)


def test_a_body_shorter_than_its_content_length_is_a_400_after_a_bounded_wait(stack, support_api):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    body = account_body(account_id)
    framing = f"Content-Length: {len(body) + 100}\r\n"

    received, elapsed = exchange(stack, account_request(stack, account_id, framing, body))

    assert statuses(received) == ["400"], received
    assert elapsed < 12, elapsed  # a few seconds of socket timeout, then the answer and close
    assert_not_created(support_api, account_id)
    assert_still_healthy(stack)


def test_a_chunked_body_is_refused_and_never_read_as_the_next_request(stack, support_api):
    account_id = f"agent-{uuid.uuid4().hex[:10]}"
    # A chunk whose data is itself a whole request: a gateway that ignored the chunked framing
    # would answer it as a second request on the connection.
    smuggled = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    chunked = (
        f"{len(account_body(account_id)):x}\r\n".encode()
        + account_body(account_id)
        + b"\r\n0\r\n\r\n"
        + smuggled
    )
    for framing in (
        "Transfer-Encoding: chunked\r\n",
        f"Transfer-Encoding: chunked\r\nContent-Length: {len(chunked)}\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
    ):
        received, _ = exchange(stack, account_request(stack, account_id, framing, chunked))

        assert statuses(received) == ["411"], received
        assert b'"length_required"' in received
    assert_not_created(support_api, account_id)
    assert_still_healthy(stack)


def test_a_sound_request_on_a_raw_socket_is_answered_and_keeps_the_connection(stack):
    raw = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2

    received, _ = exchange(
        stack, raw + b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )

    assert statuses(received) == ["200", "200", "200"]
