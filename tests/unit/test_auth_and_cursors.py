from __future__ import annotations

import pytest

from shared.errors import InvalidCursor, Unauthorized
from shared.http.auth import parse_groups, principal_from
from shared.http.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[support admin]", {"support", "admin"}),
        ("[support]", {"support"}),
        (["support", "admin"], {"support", "admin"}),
        ("support", {"support"}),
        ("[support\tadmin  ops]", {"support", "admin", "ops"}),
        ("", set()),
        (None, set()),
        ("[]", set()),
    ],
)
def test_groups_claim_in_every_form_api_gateway_may_send(raw, expected):
    assert parse_groups(raw) == frozenset(expected)


@pytest.mark.parametrize(
    "raw",
    ["[admin,support]", "admin,support", '["admin","support"]', "[Support]", "[supports]"],
)
def test_only_a_whole_group_named_support_grants_support(raw):
    """Commas are part of a group's name, not separators: "admin,support" is one group."""
    assert "support" not in parse_groups(raw)


def test_principal_requires_a_subject():
    with pytest.raises(Unauthorized):
        principal_from({"requestContext": {"authorizer": {"jwt": {"claims": {}}}}})
    with pytest.raises(Unauthorized):
        principal_from({"requestContext": {}})


def test_principal_reads_flattened_groups():
    event = {
        "requestContext": {
            "authorizer": {"jwt": {"claims": {"sub": "s-1", "cognito:groups": "[support]"}}}
        }
    }
    principal = principal_from(event)
    assert principal.subject == "s-1"
    assert principal.is_support


def test_cursor_round_trip_and_scope():
    key = {"account_id": {"S": "a"}, "invoice_key": {"S": "0001#in_1"}}
    cursor = encode_cursor(key, scope="invoices:a", key=b"k")
    assert cursor is not None
    assert decode_cursor(cursor, scope="invoices:a", key=b"k") == key
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, scope="invoices:b", key=b"k")
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, scope="invoices:a", key=b"other-key")


def test_tampered_cursor_is_refused():
    cursor = encode_cursor({"k": {"S": "1"}}, scope="s", key=b"k")
    assert cursor is not None
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    with pytest.raises(InvalidCursor):
        decode_cursor(tampered, scope="s", key=b"k")
    with pytest.raises(InvalidCursor):
        decode_cursor("%%%not-base64", scope="s", key=b"k")


def test_no_cursor_means_first_page():
    assert decode_cursor(None, scope="s", key=b"k") is None
    assert encode_cursor(None, scope="s", key=b"k") is None
