"""The OpenAPI document, generated from the code: every HTTP function's Powertools resolver
describes its own routes; this merges them into one document and adds what API Gateway does
around them (bearer-token security on every route that has the JWT authorizer, and the error
body every route can answer with).

    python -m local.openapi > docs/openapi.json
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from local.cfn import load_template, resources_of_type
from shared.http.query import QUERY_PARAMETERS_EXTENSION

TITLE = "Account & Billing API"
VERSION = "1.0.0"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_request"]},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
            "additionalProperties": True,
        },
        # API Gateway's own 401 body carries {"message": "Unauthorized"}.
        "message": {"type": "string"},
    },
}


def _http_functions() -> list[tuple[str, set[tuple[str, str]]]]:
    """(module, {(method, path) of routes without the JWT authorizer}) per HTTP function."""
    found = []
    for function in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        properties = function["Properties"]
        events = [e for e in properties.get("Events", {}).values() if e["Type"] == "HttpApi"]
        if not events:
            continue
        module = properties["CodeUri"].strip("/").replace("/", ".") + ".app"
        public = {
            (e["Properties"]["Method"].lower(), e["Properties"]["Path"])
            for e in events
            if e["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
        }
        found.append((module, public))
    return found


def build_document() -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Account and Billing section of the lead platform. Errors are "
            '{"error": {"code", "message"}}; see API.md.',
        },
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "dashboardJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
    for module_name, public_routes in _http_functions():
        app = importlib.import_module(module_name).app
        schema = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                _shape_operation(operation, secured=(method, path) not in public_routes)
            document["paths"].setdefault(path, {}).update(operations)
    webhook = document["paths"].get("/v1/webhooks/stripe", {}).get("post")
    if webhook is not None:
        # Verified by the handler over the raw body (not by Powertools), so declared here.
        webhook.setdefault("parameters", []).append(
            {
                "name": "Stripe-Signature",
                "in": "header",
                "required": True,
                "description": "Stripe's signature of the raw body (t=...,v1=...).",
                "schema": {"type": "string"},
            }
        )
    document["components"]["schemas"].pop("HTTPValidationError", None)
    document["components"]["schemas"].pop("ValidationError", None)
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


def _shape_operation(operation: dict[str, Any], *, secured: bool) -> None:
    # Query strings validated by shared.http.query, described on their route (Powertools cannot).
    query_parameters = operation.pop(QUERY_PARAMETERS_EXTENSION, None)
    if query_parameters:
        operation.setdefault("parameters", []).extend(query_parameters)
    responses = operation.setdefault("responses", {})
    # Powertools documents request validation as 422; this API answers 400 (API.md).
    responses.pop("422", None)
    responses["default"] = {
        "description": "Error (see API.md for codes)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if secured:
        operation["security"] = [{"dashboardJwt": []}]
    else:
        operation["security"] = []


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
