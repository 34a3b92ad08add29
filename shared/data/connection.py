"""One DynamoDB connection for every table model, and the tables' registry.

The tables themselves are defined once, in template.yaml (tests/unit/test_template_tables.py
proves the models match it key for key); their PynamoDB models live one module per table in
`shared.data.tables`, so a function defines only the models it uses (each costs cold start).
Each table module registers its models here as it is imported; `configure_models` points every
registered model at its table and the shared connection, and a model registered later (a module
imported lazily) is pointed at them as it registers."""

from __future__ import annotations

from collections.abc import Mapping

from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.config import Settings

# Settings field naming each table -> its model.
_registered: dict[str, type[Model]] = {}
_configured: tuple[Settings, Connection] | None = None


def register_tables(models: Mapping[str, type[Model]]) -> None:
    _registered.update(models)
    if _configured is not None:
        settings, connection = _configured
        for setting_name, model in models.items():
            _point(model, setting_name, settings, connection)


def registered_tables() -> dict[str, type[Model]]:
    """The models registered so far (the table modules imported), by their settings field."""
    return dict(_registered)


def configure_models(settings: Settings) -> None:
    """Points every model at its table (names come from the template via the environment) and
    makes all of them, and every transaction, share ONE connection: PynamoDB would otherwise
    open a botocore session per model, each loading the DynamoDB service description again
    (~170 ms of cold start per model a request touches)."""
    global _configured
    connection = Connection(region=settings.aws_region, host=settings.aws_endpoint_url)
    _configured = (settings, connection)
    for setting_name, model in _registered.items():
        _point(model, setting_name, settings, connection)


def _point(model: type[Model], setting_name: str, settings: Settings, shared: Connection) -> None:
    model.Meta.table_name = getattr(settings, setting_name)
    model.Meta.region = settings.aws_region
    model.Meta.host = settings.aws_endpoint_url
    model._connection = None  # rebuilt below for the new table name and endpoint
    table_connection = model._get_connection()
    shared.add_meta_table(table_connection.get_meta_table())
    table_connection.connection = shared


def shared_connection() -> Connection:
    if _configured is None:
        raise RuntimeError("configure_models() has not run")
    return _configured[1]


def transaction() -> TransactWrite:
    """A TransactWrite on the models' shared connection (PynamoDB's default would open another)."""
    return TransactWrite(connection=shared_connection())
