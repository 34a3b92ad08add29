"""Powertools' HTTP resolver and Response, imported without the package indexes that load every
resolver and every event class Powertools has.

`aws_lambda_powertools.event_handler/__init__.py` imports every resolver (AppSync, AppSync
Events, Bedrock agents, VPC Lattice, function URLs, a local HTTP server with asyncio) so that
`from aws_lambda_powertools.event_handler import X` works for any X, and
`utilities/data_classes/__init__.py` imports some thirty event classes (Kafka, Kinesis, SES,
CodePipeline...) of which the HTTP resolver needs seven. Python runs a package's `__init__` before
any of its submodules, so importing `event_handler.api_gateway` alone pays for all of them: about
a sixth of an API function's cold start (`make bench` counts it in instructions).

So both packages are registered with their `__init__` not yet run (`lazy_index`): submodules
import as usual, a name the index re-exports imports only the submodule that defines it, and
anything else (`__all__`, `import *`, a name the index builds itself) runs the real `__init__`
then. Every documented import keeps working; a function pays only for what it uses. One
difference remains: a name the index binds over a submodule of the same name (data_classes'
`event_source`) reads as the submodule if that submodule was imported first; nothing here does.

The registration must come before anything imports from those packages, so every API function
and page imports Powertools' HTTP pieces from here (one way in), and a test imports each API
function in a fresh interpreter and checks the indexes stayed unrun."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from types import ModuleType
from typing import Any

# `from <module> import <names>` or `from <module> import (<names>)` at the start of a line.
FROM_IMPORT = re.compile(r"^from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]*)", re.MULTILINE)
LAZY_INDEXES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)


def reexported_names(source: str, package: str) -> dict[str, tuple[str, str]]:
    """What a package index imports by name: exported name -> (module, name in that module)."""
    names: dict[str, tuple[str, str]] = {}
    for module, imported in FROM_IMPORT.findall(source):
        absolute = importlib.util.resolve_name(module, package)
        for part in imported.strip("()").split(","):
            words = part.split("#")[0].split()
            if len(words) == 1:
                names[words[0]] = (absolute, words[0])
            elif len(words) == 3 and words[1] == "as":
                names[words[2]] = (absolute, words[0])
    return names


def lazy_index(name: str) -> ModuleType:
    """Registers package `name` without running its `__init__` (see the module docstring)."""
    if name in sys.modules:
        return sys.modules[name]
    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"{name} is not a package", name=name)
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader
    index: dict[str, tuple[str, str]] | None = None

    def run_index(attribute: str) -> Any:
        package.__dict__.pop("__getattr__", None)
        loader.exec_module(package)
        return getattr(package, attribute)

    def load_on_first_use(attribute: str) -> Any:
        # PEP 562: called only for names the package does not have yet.
        nonlocal index
        if attribute.startswith("__"):
            return run_index(attribute)
        if index is None:
            source = loader.get_source(name) if hasattr(loader, "get_source") else None
            index = reexported_names(source or "", name)
        if attribute in index:
            module, original = index[attribute]
            value = getattr(importlib.import_module(module), original)
        elif importlib.util.find_spec(f"{name}.{attribute}") is not None:
            value = importlib.import_module(f"{name}.{attribute}")
        else:
            return run_index(attribute)
        package.__dict__[attribute] = value
        return value

    package.__dict__["__getattr__"] = load_on_first_use
    sys.modules[name] = package
    setattr(parent, child, package)
    return package


for _package in LAZY_INDEXES:
    lazy_index(_package)

from aws_lambda_powertools.event_handler import content_types  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402
    APIGatewayHttpResolver,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.exceptions import (  # noqa: E402
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2  # noqa: E402

__all__ = [
    "APIGatewayHttpResolver",
    "APIGatewayProxyEventV2",
    "NotFoundError",
    "RequestUnsupportedContentType",
    "RequestValidationError",
    "Response",
    "content_types",
]
