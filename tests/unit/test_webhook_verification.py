"""Signature verification and event parsing: the raw body, several secrets, 300 s tolerance."""

from __future__ import annotations

import base64
import json
import time

import pytest

from shared.errors import InvalidRequest, InvalidSignature
from shared.webhooks.verify import (
    SIGNATURE_TOLERANCE_SECONDS,
    parse_event,
    raw_body,
    verified_body,
    verify_signature,
)
from testing.stripe_objects import invoice_object
from testing.webhook_events import (
    PRIMARY_SECRET,
    ROTATED_SECRET,
    api_gateway_event,
    signature_header,
    signed_api_event,
    stripe_event,
)

SECRETS = [PRIMARY_SECRET, ROTATED_SECRET]


def _payload() -> str:
    return json.dumps(stripe_event("invoice.paid", invoice_object(status="paid")), indent=2)


def test_a_valid_signature_gives_the_event():
    event_body = stripe_event("invoice.paid", invoice_object(status="paid"))

    event = verified_body(signed_api_event(event_body), SECRETS)[0]

    assert event.id == event_body["id"]
    assert event.type == "invoice.paid"
    assert event.object["status"] == "paid"


def test_a_body_signed_with_the_rotated_secret_is_accepted():
    event_body = stripe_event("invoice.paid", invoice_object(status="paid"))

    event = verified_body(signed_api_event(event_body, secret=ROTATED_SECRET), SECRETS)[0]

    assert event.id == event_body["id"]


def test_a_base64_body_is_verified_on_its_decoded_bytes():
    event_body = stripe_event("invoice.paid", invoice_object(status="paid"))
    api_event = signed_api_event(event_body, base64_body=True)
    assert api_event["isBase64Encoded"] is True

    assert verified_body(api_event, SECRETS)[0].id == event_body["id"]


def test_raw_body_keeps_the_exact_bytes():
    payload = '{"a":  "é",\n "b": 1}'
    as_text = api_gateway_event(payload, "t=1,v1=x")
    as_base64 = api_gateway_event(payload, "t=1,v1=x", base64_body=True)

    assert raw_body(as_text) == payload.encode()
    assert raw_body(as_base64) == payload.encode()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "t=notanumber,v1=abc",
        "t=1795910400",
    ],
)
def test_a_missing_or_malformed_header_is_invalid_signature(header):
    with pytest.raises(InvalidSignature):
        verify_signature(_payload().encode(), header, SECRETS, tolerance=300)


def test_a_signature_made_with_another_secret_is_refused():
    payload = _payload()

    with pytest.raises(InvalidSignature):
        verify_signature(
            payload.encode(),
            signature_header(payload, "whsec_someone_else"),
            SECRETS,
            tolerance=300,
        )


def test_a_tampered_body_is_refused():
    payload = _payload()
    header = signature_header(payload)
    tampered = payload.replace('"paid"', '"void"', 1)

    with pytest.raises(InvalidSignature):
        verify_signature(tampered.encode(), header, SECRETS, tolerance=300)


def test_a_signature_older_than_the_tolerance_is_refused_and_a_recent_one_accepted():
    payload = _payload()
    now = int(time.time())
    too_old = signature_header(payload, timestamp=now - SIGNATURE_TOLERANCE_SECONDS - 5)
    recent = signature_header(payload, timestamp=now - SIGNATURE_TOLERANCE_SECONDS + 30)

    with pytest.raises(InvalidSignature):
        verify_signature(payload.encode(), too_old, SECRETS, tolerance=SIGNATURE_TOLERANCE_SECONDS)
    assert verify_signature(
        payload.encode(), recent, SECRETS, tolerance=SIGNATURE_TOLERANCE_SECONDS
    )


def test_no_configured_secret_refuses_everything():
    payload = _payload()

    with pytest.raises(InvalidSignature):
        verify_signature(payload.encode(), signature_header(payload), [], tolerance=300)


def test_invalid_base64_is_an_invalid_request():
    api_event = api_gateway_event("not base64 at all!", "t=1,v1=x")
    api_event["isBase64Encoded"] = True

    with pytest.raises(InvalidRequest):
        raw_body(api_event)


def test_malformed_json_with_a_valid_signature_is_an_invalid_request():
    payload = '{"id": "evt_1", "type": '
    api_event = api_gateway_event(payload, signature_header(payload))

    with pytest.raises(InvalidRequest, match="not valid JSON"):
        verified_body(api_event, SECRETS)[0]


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"id": "evt_1", "type": "invoice.paid", "created": 1},
        {"id": "evt_1", "type": "invoice.paid", "created": "1", "data": {"object": {}}},
        {"id": "", "type": "invoice.paid", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "type": "invoice.paid", "created": 1, "data": {"object": "in_1"}},
    ],
)
def test_json_that_is_not_a_stripe_event_is_an_invalid_request(document):
    with pytest.raises(InvalidRequest, match="not a Stripe event"):
        parse_event(json.dumps(document))


def test_parse_keeps_previous_attributes():
    body = stripe_event(
        "payment_method.detached",
        {"id": "pm_1", "object": "payment_method", "customer": None},
        previous_attributes={"customer": "cus_1"},
    )

    event = parse_event(json.dumps(body))

    assert event.previous_attributes == {"customer": "cus_1"}
    assert event.created == body["created"]


def test_base64_helper_round_trip():
    payload = _payload()
    encoded = base64.b64encode(payload.encode()).decode()
    assert raw_body({"body": encoded, "isBase64Encoded": True}) == payload.encode()
