"""Lambda's Invoke API of the local stack: its own loopback port (AWS_ENDPOINT_URL_LAMBDA),
where only requests SigV4-signed with the stack's credentials run a function and a browser
(anything with an Origin) is refused; the download still reaches the renderer through it."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.activity import BatchDone, RequestDone
from shared.data.tables.invoices import InvoiceModel
from shared.runtime import cached_settings
from testing.invoice_factory import save_invoice

RENDERER = "InvoiceRendererFunction"


@pytest.fixture(autouse=True)
def data_layer(stack):
    cached_settings()


@pytest.fixture
def invocations(stack):
    """The Invoke API's answers while the test runs (the stack reports each one)."""
    seen: list[RequestDone] = []
    lock = threading.Lock()

    def record(done: RequestDone | BatchDone) -> None:
        if isinstance(done, RequestDone) and done.method == "INVOKE":
            with lock:
                seen.append(done)

    stack.activity.subscribe(record)
    yield seen
    stack.activity.unsubscribe(record)


def invoke_url(stack, function: str = RENDERER) -> str:
    return f"{stack.lambda_url}/2015-03-31/functions/{function}/invocations"


def signed_post(
    url: str,
    payload: dict[str, Any],
    *,
    access_key_id: str = "local",
    secret: str = "local",
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """POSTs as boto3's Lambda client does: SigV4 over the method, path, headers and body."""
    body = json.dumps(payload).encode()
    request = AWSRequest(method="POST", url=url, data=body, headers=headers or {})
    SigV4Auth(Credentials(access_key_id, secret), "lambda", "us-east-1").add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers.items()), timeout=30)


def pdf_key(invoice: InvoiceModel) -> str | None:
    saved = InvoiceModel.get(invoice.account_id, invoice.invoice_key, consistent_read=True)
    return saved.pdf_key


def test_the_functions_are_told_the_invoke_ports_address(stack):
    assert stack.environment["AWS_ENDPOINT_URL_LAMBDA"] == stack.lambda_url
    assert stack.lambda_url != stack.api_url


def test_a_download_whose_pdf_is_missing_reaches_the_renderer_on_the_invoke_port(
    new_agent, invocations
):
    account_id, agent = new_agent()
    invoice = save_invoice(account_id, payment_status="paid", amount=29900)
    assert pdf_key(invoice) is None

    response = agent.get(f"/v1/billing/invoices/{invoice.invoice_id}/download")

    assert response.status_code == 200, response.text
    assert requests.get(response.json()["url"], timeout=10).content.startswith(b"%PDF")
    assert pdf_key(invoice)
    assert [(done.function, done.status) for done in invocations] == [(RENDERER, 200)]


def test_a_request_signed_with_the_stacks_credentials_runs_the_function(stack, new_agent):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="failed", amount=29900)

    response = signed_post(
        invoke_url(stack), {"account_id": account_id, "invoice_id": invoice.invoice_id}
    )

    assert response.status_code == 200, response.text
    assert "X-Amz-Function-Error" not in response.headers
    assert response.json() == {"pdf_key": pdf_key(invoice)}
    assert pdf_key(invoice)


@pytest.mark.parametrize(
    "function_name",
    [RENDERER, f"arn:aws:lambda:us-east-1:000000000000:function:{RENDERER}:$LATEST"],
)
def test_boto3_invokes_by_name_or_arn_with_the_environments_credentials(
    stack, new_agent, function_name
):
    """As the download does: boto3 signs with AWS_ACCESS_KEY_ID/SECRET from the environment
    and reaches AWS_ENDPOINT_URL_LAMBDA by itself (an ARN's colons are escaped in the path)."""
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid", amount=29900)
    client = boto3.client("lambda", region_name="us-east-1")
    assert client.meta.endpoint_url == stack.lambda_url

    response = client.invoke(
        FunctionName=function_name,
        Payload=json.dumps({"account_id": account_id, "invoice_id": invoice.invoice_id}),
    )

    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"pdf_key": pdf_key(invoice)}


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda url, payload: requests.post(url, json=payload, timeout=10), id="unsigned"
        ),
        pytest.param(
            lambda url, payload: requests.post(
                url,
                json=payload,
                timeout=10,
                headers={"Authorization": "Bearer not-a-signature"},
            ),
            id="another-scheme",
        ),
        pytest.param(
            lambda url, payload: signed_post(url, payload, access_key_id="AKIAOTHERKEY"),
            id="other-access-key",
        ),
        pytest.param(
            lambda url, payload: signed_post(url, payload, secret="not-the-secret"),
            id="wrong-secret",
        ),
        pytest.param(
            lambda url, payload: signed_post(
                url, payload, headers={"Origin": "http://localhost:3000"}
            ),
            id="browser-origin-on-a-signed-request",
        ),
        pytest.param(
            lambda url, payload: requests.post(
                url, json=payload, headers={"Origin": "http://evil.example"}, timeout=10
            ),
            id="browser-origin",
        ),
    ],
)
def test_a_request_without_the_stacks_signature_or_from_a_browser_is_a_403(
    stack, new_agent, invocations, send
):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid", amount=29900)

    response = send(invoke_url(stack), {"account_id": account_id, "invoice_id": invoice.invoice_id})

    assert response.status_code == 403, response.text
    assert response.headers["x-amzn-ErrorType"]
    assert pdf_key(invoice) is None  # the renderer did not run
    assert [done.function for done in invocations] == [None]


def test_a_signed_body_changed_on_the_way_is_a_403(stack, new_agent):
    account_id, _ = new_agent()
    invoice = save_invoice(account_id, payment_status="paid", amount=29900)
    body = json.dumps({"account_id": account_id, "invoice_id": "in_other"}).encode()
    request = AWSRequest(method="POST", url=invoke_url(stack), data=body)
    SigV4Auth(Credentials("local", "local"), "lambda", "us-east-1").add_auth(request)
    tampered = json.dumps({"account_id": account_id, "invoice_id": invoice.invoice_id}).encode()

    response = requests.post(
        invoke_url(stack), data=tampered, headers=dict(request.headers.items()), timeout=10
    )

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert pdf_key(invoice) is None


def test_an_unknown_function_is_a_404_and_a_bad_payload_a_400(stack):
    assert signed_post(invoke_url(stack, "NoSuchFunction"), {}).status_code == 404
    url = invoke_url(stack)
    request = AWSRequest(method="POST", url=url, data=b"{not json")
    SigV4Auth(Credentials("local", "local"), "lambda", "us-east-1").add_auth(request)

    response = requests.post(
        url, data=b"{not json", headers=dict(request.headers.items()), timeout=10
    )

    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
