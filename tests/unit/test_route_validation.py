"""Validation is per route (shared.http.app.create_app). A route whose handler takes anything but
its path ids must opt in to Powertools' validation, or Powertools would call it without the body and
the request would fail with a 500. A route that does not take one must not opt in: it would load
pydantic for nothing (about a third of a cold start)."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from pydantic import BaseModel

from local.openapi import _http_functions

ROUTES = [
    (module, route)
    for module, _ in _http_functions()
    for app in [importlib.import_module(module).app]
    for route in app._static_routes + app._dynamic_routes
]


@pytest.mark.parametrize(
    ("module", "route"), ROUTES, ids=[f"{r.method} {r.path}" for _, r in ROUTES]
)
def test_routes_validate_exactly_when_they_take_more_than_path_ids(module, route):
    path_ids = set(re.findall(r"<(\w+)>", route.path))
    signature = inspect.signature(route.func, eval_str=True)  # loads the lazy body models
    inputs = set(signature.parameters) - path_ids
    answer = signature.return_annotation
    answers_pydantic = inspect.isclass(answer) and issubclass(answer, BaseModel)

    # Unset (None) means the resolver's setting, which create_app leaves off.
    assert bool(route.enable_validation) is bool(inputs or answers_pydantic), (module, inputs)
