"""How a payment attempt is read, with real Stripe's answers (which localstripe does not give):
a 402 `invoice_payment_intent_requires_action` is an authentication to complete, never a
decline; a real decline keeps the bank's own message from the PaymentIntent's
`last_payment_error`; the current API shape has no `payment_intent` on the invoice.

Stripe is faked at its HTTP layer (canned JSON answers to the SDK's requests), so the code under
test is ours end to end: the gateway, its error mapping, the reads and the outcome."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from shared.billing.payments import (
    PaymentOutcome,
    attempt_payment,
    outcome_of,
    refuse_any_body,
)
from shared.errors import InvalidRequest
from shared.stripe.gateway import StripeGateway
from shared.stripe.reads import GatewayReads
from testing.fake_stripe import FakeStripe

REQUIRES_ACTION_402 = {
    "error": {
        "type": "card_error",
        "code": "invoice_payment_intent_requires_action",
        "message": "This payment requires additional user action before it can be completed.",
    }
}
INSUFFICIENT_FUNDS_402 = {
    "error": {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
    }
}


class CannedStripe(stripe.HTTPClient):
    """Answers the SDK's requests from a table of (method, path) -> (status, JSON body), and
    records each request with its Idempotency-Key."""

    name = "canned"

    def __init__(self, answers: dict[tuple[str, str], tuple[int, Mapping[str, Any]]]) -> None:
        super().__init__()
        self.answers = answers
        self.requests: list[tuple[str, str, str | None]] = []

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        path = urlsplit(url).path
        self.requests.append((method.upper(), path, (headers or {}).get("Idempotency-Key")))
        status, body = self.answers[(method.upper(), path)]
        return json.dumps(body), status, {"Request-Id": "req_canned"}

    def close(self) -> None:
        pass


def gateway_answering(
    answers: dict[tuple[str, str], tuple[int, Mapping[str, Any]]],
) -> tuple[StripeGateway, CannedStripe]:
    http = CannedStripe(answers)
    client = stripe.StripeClient("sk_test_canned", http_client=http, max_network_retries=0)
    return StripeGateway(client), http


def invoice(status: str = "open", **fields: Any) -> dict[str, Any]:
    """An invoice in the current API shape: no `payment_intent`, no `charge`."""
    return {"id": "in_1", "object": "invoice", "status": status, "customer": "cus_1", **fields}


def invoice_payments(intent: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [
            {
                "id": "inpay_1",
                "object": "invoice_payment",
                "created": 1795920000,
                "payment": {"type": "payment_intent", "payment_intent": intent},
            }
        ],
    }


def intent(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "status": status,
        "client_secret": "pi_1_secret_abc",
        **fields,
    }


def test_stripes_402_asking_for_authentication_is_requires_action_not_a_decline():
    gateway, http = gateway_answering(
        {
            ("POST", "/v1/invoices/in_1/pay"): (402, REQUIRES_ACTION_402),
            ("GET", "/v1/invoices/in_1"): (200, invoice()),
            ("GET", "/v1/invoice_payments"): (200, invoice_payments(intent("requires_action"))),
        }
    )

    attempt = attempt_payment("in_1", gateway, GatewayReads(gateway), idempotency_key="pay-k1")

    assert attempt.outcome is PaymentOutcome.REQUIRES_ACTION
    assert attempt.client_secret == "pi_1_secret_abc"
    assert attempt.message is None
    assert http.requests[0] == ("POST", "/v1/invoices/in_1/pay", "pay-k1")


def test_a_real_decline_keeps_the_banks_message():
    declined = intent(
        "requires_payment_method",
        last_payment_error={
            "code": "card_declined",
            "message": "Your card has insufficient funds.",
        },
    )
    gateway, _ = gateway_answering(
        {
            ("POST", "/v1/invoices/in_1/pay"): (402, INSUFFICIENT_FUNDS_402),
            ("GET", "/v1/invoices/in_1"): (200, invoice()),
            ("GET", "/v1/invoice_payments"): (200, invoice_payments(declined)),
        }
    )

    attempt = attempt_payment("in_1", gateway, GatewayReads(gateway), idempotency_key="pay-k2")

    assert attempt.outcome is PaymentOutcome.FAILED
    assert attempt.message == "Your card has insufficient funds."


def test_a_paid_answer_is_paid_without_reading_anything_else():
    gateway, http = gateway_answering({("POST", "/v1/invoices/in_1/pay"): (200, invoice("paid"))})

    attempt = attempt_payment("in_1", gateway, GatewayReads(gateway), idempotency_key="pay-k3")

    assert attempt.outcome is PaymentOutcome.PAID
    assert [request[:2] for request in http.requests] == [("POST", "/v1/invoices/in_1/pay")]


def test_older_api_shape_reads_the_invoices_payment_intent():
    # localstripe's shape: the invoice names its PaymentIntent.
    fake = FakeStripe(
        payment_intents={
            "pi_9": intent(
                "requires_payment_method", last_payment_error={"message": "Do not honor."}
            )
        }
    )
    open_invoice = stripe.Invoice.construct_from(invoice(payment_intent="pi_9"), "sk_test")

    attempt = outcome_of(open_invoice, fake)

    assert attempt.outcome is PaymentOutcome.FAILED
    assert attempt.message == "Do not honor."
    assert fake.calls == ["payment_intent:pi_9"]


def test_no_message_anywhere_falls_back_to_the_error_then_to_a_plain_decline():
    fake = FakeStripe(latest_intents={"in_1": intent("requires_payment_method")})
    open_invoice = stripe.Invoice.construct_from(invoice(), "sk_test")

    assert outcome_of(open_invoice, fake, declined_message="Card expired.").message == (
        "Card expired."
    )
    assert outcome_of(open_invoice, fake).message == "Your card was declined."


@pytest.mark.parametrize("body", [None, "", "  ", "{}", " { } "])
def test_the_pay_route_takes_no_body_or_an_empty_object(body):
    refuse_any_body(body)


@pytest.mark.parametrize("body", ['{"amount": 1}', "[]", "null", "{", '"pay"'])
def test_any_other_body_is_refused(body):
    with pytest.raises(InvalidRequest):
        refuse_any_body(body)
