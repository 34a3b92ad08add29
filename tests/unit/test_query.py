"""Query strings: typed, checked against their JSON Schema, and documented from it."""

import pytest

from shared.errors import InvalidRequest
from shared.http.query import QUERY_PARAMETERS_EXTENSION, QueryParameters

QUERY = QueryParameters(
    {
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "status": {"type": "string", "enum": ["paid", "failed"]},
    }
)


def test_values_are_typed_and_absent_ones_take_their_default():
    assert QUERY.parse({"limit": "7", "status": "paid"}) == {"limit": 7, "status": "paid"}
    assert QUERY.parse(None) == {"limit": 20, "status": None}


def test_parameters_it_does_not_declare_are_ignored():
    assert QUERY.parse({"utm_source": "mail"}) == {"limit": 20, "status": None}


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"limit": "0"}, "limit", "bigger than or equal to 1"),
        ({"limit": "101"}, "limit", "smaller than or equal to 100"),
        ({"limit": "ten"}, "limit", "integer"),
        ({"limit": "5,6"}, "limit", "integer"),  # API Gateway joins repeated parameters
        ({"limit": "99999999999999999999"}, "limit", "integer"),
        ({"status": "overdue"}, "status", "one of"),
    ],
)
def test_a_bad_value_is_invalid_request_naming_the_parameter(query, field, says):
    with pytest.raises(InvalidRequest) as raised:
        QUERY.parse(query)

    [problem] = raised.value.extra["fields"]
    assert problem["field"] == field
    assert says in problem["message"]
    assert "data." not in problem["message"]


def test_the_same_declaration_documents_the_parameters():
    documented = QUERY.openapi_extensions()[QUERY_PARAMETERS_EXTENSION]

    assert documented == [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        {
            "name": "status",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["paid", "failed"]},
        },
    ]
