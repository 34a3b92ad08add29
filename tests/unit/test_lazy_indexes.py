"""Powertools' package indexes stay unrun in the API functions (`shared.http.resolver`): each
function imported in a fresh interpreter loads none of the resolvers and event classes it does not
use, and every documented Powertools import still works once the indexes are lazy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local.cfn import load_template, resources_of_type
from shared.http.resolver import reexported_names

ROOT = Path(__file__).resolve().parents[2]
# Loaded only by the indexes, never by the HTTP resolver itself.
INDEX_ONLY = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.http_resolver",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
)


def _http_function_modules() -> list[str]:
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    modules = []
    for resource in functions.values():
        properties = resource["Properties"]
        events = properties.get("Events", {}).values()
        if any(event["Type"] == "HttpApi" for event in events):
            folder = properties["CodeUri"].strip("/").replace("/", ".")
            modules.append(f"{folder}.{properties['Handler'].rsplit('.', 1)[0]}")
    return sorted(modules)


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_http_function_is_found():
    modules = _http_function_modules()
    assert "functions.invoice_listing.app" in modules
    assert "functions.support_console.app" in modules
    assert len(modules) >= 10


@pytest.mark.parametrize("module", _http_function_modules())
def test_an_api_function_loads_no_resolver_or_event_class_it_does_not_use(module):
    loaded = json.loads(
        _fresh(f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))")
    )
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    assert [name for name in INDEX_ONLY if name in loaded] == []


def test_documented_imports_still_work_with_the_indexes_lazy():
    printed = _fresh(
        "import shared.http.resolver as ours\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, content_types\n"
        "from aws_lambda_powertools.utilities.data_classes import KafkaEvent, event_source\n"
        "from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEvent as K\n"
        "from aws_lambda_powertools.event_handler import AppSyncResolver\n"
        "import aws_lambda_powertools.event_handler as handlers\n"
        "print(APIGatewayHttpResolver is ours.APIGatewayHttpResolver, KafkaEvent is K,\n"
        "      callable(event_source) and not hasattr(event_source, '__path__'),\n"
        "      content_types.APPLICATION_JSON, AppSyncResolver.__name__,\n"
        "      'VPCLatticeResolver' in handlers.__all__)\n"
    )
    assert printed.split() == [
        "True",
        "True",
        "True",
        "application/json",
        "AppSyncResolver",
        "True",
    ]


def test_star_import_runs_the_whole_index():
    printed = _fresh(
        "import shared.http.resolver\n"
        "from aws_lambda_powertools.event_handler import *\n"
        "print(BedrockAgentResolver.__name__, VPCLatticeV2Resolver.__name__)\n"
    )
    assert printed.split() == ["BedrockAgentResolver", "VPCLatticeV2Resolver"]


def test_reexported_names_reads_plain_parenthesised_aliased_and_relative_imports():
    source = (
        "from .alb_event import ALBEvent\n"
        "from .proxy import (\n    One,\n    Two as Second,  # note\n)\n"
        "from pkg.absolute import Three\n"
        "import os\n"
    )
    assert reexported_names(source, "pkg.events") == {
        "ALBEvent": ("pkg.events.alb_event", "ALBEvent"),
        "One": ("pkg.events.proxy", "One"),
        "Second": ("pkg.events.proxy", "Two"),
        "Three": ("pkg.absolute", "Three"),
    }
