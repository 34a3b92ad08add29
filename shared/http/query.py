"""Query strings, declared once as JSON Schema: checked by the validator Powertools' Validation
utility uses (fastjsonschema) and documented in the OpenAPI document from the same declaration.

Bodies are validated by Powertools' event handler (pydantic). Query strings are not: the routes
that take one are reads, and pydantic's import alone is about a third of a read function's
cold start, while compiling and running a JSON Schema validator costs about 1% (`make bench`).
Powertools cannot see these parameters, so each route carries their description as an OpenAPI
extension (`x-query-parameters`) that `local.openapi` turns into the operation's parameters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import fastjsonschema

from shared.errors import InvalidRequest

QUERY_PARAMETERS_EXTENSION = "x-query-parameters"
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


@dataclass(frozen=True)
class QueryParameters:
    """Optional query parameters, each a JSON Schema (`type` integer or string)."""

    properties: Mapping[str, Mapping[str, Any]]

    def openapi_extensions(self) -> dict[str, Any]:
        """For the route decorator's `openapi_extensions`."""
        return {
            QUERY_PARAMETERS_EXTENSION: [
                {"name": name, "in": "query", "required": False, "schema": dict(schema)}
                for name, schema in self.properties.items()
            ]
        }

    @cached_property
    def _validator(self) -> Callable[[dict[str, Any]], Any]:
        # Compiled once per container. Powertools' `validate()` compiles the schema again on
        # every call (about 2 ms a request); the checks are the same fastjsonschema code.
        schema = {"type": "object", "properties": {k: dict(v) for k, v in self.properties.items()}}
        return fastjsonschema.compile(schema)

    def parse(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        """Every declared parameter, typed and checked, with its default where absent; unknown
        parameters are ignored. A bad value is 400 invalid_request naming the parameter."""
        given = {
            name: _typed(value, self.properties[name])
            for name, value in (query or {}).items()
            if name in self.properties
        }
        try:
            self._validator(given)
        except fastjsonschema.JsonSchemaValueException as error:
            field = str(error.name or "").removeprefix("data.")
            raise InvalidRequest(
                "The request is not valid; see fields.",
                fields=[{"field": field, "message": _readable(error.message, field)}],
            ) from None
        return {
            name: given.get(name, schema.get("default")) for name, schema in self.properties.items()
        }


def _readable(message: object, field: str) -> str:
    # fastjsonschema names the value "data.<field>"; clients know it as "<field>".
    return str(message).replace(f"data.{field}", field, 1)


def _typed(value: str, schema: Mapping[str, Any]) -> Any:
    """Query values arrive as text; an integer parameter's digits become a number (anything else
    stays text, so the validator reports it as not an integer)."""
    if schema.get("type") == "integer" and INTEGER.fullmatch(value):
        return int(value)
    return value
