"""The OpenAPI document is generated from the code, checked in, and served by the local stack."""

from __future__ import annotations

import json

from local.cfn import ROOT
from local.openapi import build_document, render
from testing.api_client import Api

DOCUMENT = ROOT / "docs" / "openapi.json"


def test_checked_in_document_is_current():
    assert DOCUMENT.read_text() == render(), "docs/openapi.json is stale: python -m local.openapi"


def test_every_api_md_route_is_documented():
    paths = build_document()["paths"]
    expected = {
        ("get", "/v1/health"),
        ("get", "/v1/account"),
        ("post", "/v1/billing/setup-intents"),
        ("get", "/v1/billing/card"),
        ("put", "/v1/billing/card"),
        ("get", "/v1/billing/invoices"),
        ("get", "/v1/billing/invoices/{invoice_id}"),
        ("get", "/v1/billing/invoices/{invoice_id}/download"),
        ("post", "/v1/account/cancellation-tickets"),
        ("get", "/v1/account/cancellation-tickets"),
        ("delete", "/v1/account/cancellation-tickets/{ticket_id}"),
        ("post", "/v1/support/accounts"),
        ("post", "/v1/support/leads"),
        ("get", "/v1/support/accounts/{account_id}/leads"),
        ("get", "/v1/support/tickets"),
        ("get", "/v1/support/tickets/{ticket_id}"),
        ("post", "/v1/support/tickets/{ticket_id}/approve"),
        ("post", "/v1/support/tickets/{ticket_id}/reject"),
        ("post", "/v1/webhooks/stripe"),
    }
    documented = {(method, path) for path, ops in paths.items() for method in ops}
    assert expected <= documented


def test_public_routes_need_no_token_and_the_rest_do():
    paths = build_document()["paths"]
    assert paths["/v1/health"]["get"]["security"] == []
    assert paths["/v1/webhooks/stripe"]["post"]["security"] == []
    assert paths["/v1/account"]["get"]["security"] == [{"dashboardJwt": []}]


def test_local_stack_serves_the_document(stack):
    response = Api(stack.api_url).get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(DOCUMENT.read_text())
