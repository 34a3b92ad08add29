"""Every table model: imports each module of `shared.data.tables` (functions import only the
ones they use) and returns the registry, keyed by the settings field naming each table."""

from __future__ import annotations

import importlib
import pkgutil

from pynamodb.models import Model

import shared.data.tables
from shared.data.connection import registered_tables


def all_table_models() -> dict[str, type[Model]]:
    for module in pkgutil.iter_modules(shared.data.tables.__path__):
        importlib.import_module(f"shared.data.tables.{module.name}")
    return registered_tables()
