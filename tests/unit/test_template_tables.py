"""The tables are defined once, in template.yaml; the PynamoDB models must match them exactly."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.models import Model

from local.cfn import load_template, resources_of_type
from testing.tables import all_table_models

TABLE_LOGICAL_IDS = {
    "accounts_table": "AccountsTable",
    "territory_agents_table": "TerritoryAgentsTable",
    "invoices_table": "InvoicesTable",
    "tickets_table": "TicketsTable",
    "leads_table": "LeadsTable",
    "webhook_events_table": "WebhookEventsTable",
    "stripe_customers_table": "StripeCustomersTable",
    "sync_state_table": "SyncStateTable",
}


def _model_schema(model: type[Model]) -> dict[str, Any]:
    schema = model._get_schema()
    attribute_types = {
        definition["AttributeName"]: definition["AttributeType"]
        for definition in schema["attribute_definitions"]
    }
    keys = {key["AttributeName"]: key["KeyType"] for key in schema["key_schema"]}
    indexes = {
        index["index_name"]: {
            "keys": {key["AttributeName"]: key["KeyType"] for key in index["key_schema"]},
            "projection": index["projection"]["ProjectionType"],
        }
        for index in schema.get("global_secondary_indexes", [])
    }
    return {"attributes": attribute_types, "keys": keys, "indexes": indexes}


def _template_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "attributes": {
            item["AttributeName"]: item["AttributeType"]
            for item in properties["AttributeDefinitions"]
        },
        "keys": {item["AttributeName"]: item["KeyType"] for item in properties["KeySchema"]},
        "indexes": {
            index["IndexName"]: {
                "keys": {key["AttributeName"]: key["KeyType"] for key in index["KeySchema"]},
                "projection": index["Projection"]["ProjectionType"],
            }
            for index in properties.get("GlobalSecondaryIndexes", [])
        },
    }


@pytest.mark.parametrize("setting_name", sorted(all_table_models()))
def test_model_matches_template_table(setting_name):
    tables = resources_of_type(load_template(), "AWS::DynamoDB::Table")
    properties = tables[TABLE_LOGICAL_IDS[setting_name]]["Properties"]

    assert _model_schema(all_table_models()[setting_name]) == _template_schema(properties)


def test_every_template_table_has_a_model_or_is_powertools_idempotency():
    tables = set(resources_of_type(load_template(), "AWS::DynamoDB::Table"))
    assert tables - set(TABLE_LOGICAL_IDS.values()) == {"IdempotencyTable"}


def test_every_table_is_encrypted_and_recoverable():
    for table in resources_of_type(load_template(), "AWS::DynamoDB::Table").values():
        properties = table["Properties"]
        assert properties["SSESpecification"]["SSEEnabled"] is True
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_every_function_has_its_own_policy_and_log_group():
    resources = load_template()["Resources"]
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    for logical_id, function in functions.items():
        properties = function["Properties"]
        log_group = resources[f"{logical_id}Logs"]["Properties"]
        assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
        assert log_group["RetentionInDays"]
        # A function without policies (the static page) gets only its logging permissions.
        statements = properties["Policies"][0]["Statement"] if "Policies" in properties else []
        for statement in statements:
            # Exact actions on exact resources: no wildcards, no managed CRUD policies.
            assert all("*" not in action for action in statement["Action"]), logical_id
            resources_named = statement["Resource"]
            names = resources_named if isinstance(resources_named, list) else [resources_named]
            assert all(name != "*" for name in names), logical_id
