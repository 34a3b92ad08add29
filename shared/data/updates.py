"""A conditional UpdateItem built from a model's values, for writes that set many attributes.

PynamoDB's update actions (`Model.attribute.set(value)`) build an expression object and a value
object per attribute; for the thirty attributes of an invoice that is most of the time the
Stripe import spends on its side (0.5 ms an invoice, `make bench`). Here the values go through
the model's own serializers once (`Model.serialize`, what `save` uses) and the expression is
written from them: the same UpdateItem, a fraction of the work. The condition stays a PynamoDB
condition, serialized with the same placeholders.

The request runs alone (`run_update`, answering the item as stored after the update) or as one
Update of a transaction (`run_transaction`); errors are PynamoDB's, so `shared.data.conditions`
reads them as for any other write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.util import get_value_placeholder
from pynamodb.models import Model

from shared.data.connection import shared_connection

UpdateRequest = dict[str, Any]


def update_request(
    model_class: type[Model],
    hash_key: str,
    range_key: str | None,
    values: Mapping[str, Any],
    condition: Condition | None = None,
) -> UpdateRequest:
    """UpdateItem parameters setting each of `values` (attribute -> value) on the item, and
    removing each attribute whose value is None."""
    present = {name: value for name, value in values.items() if value is not None}
    item = model_class(hash_key, range_key, **present).serialize()
    stored_names = _stored_names(model_class)
    names: dict[str, str] = {}
    placeholders: dict[str, Any] = {}
    condition_expression = (
        condition.serialize(names, placeholders) if condition is not None else None
    )
    sets: list[str] = []
    removes: list[str] = []
    for name, value in values.items():
        stored_name = stored_names[name]
        # PynamoDB's placeholder scheme (`substitute_names`), shared with the condition's; a
        # top-level attribute name needs no path parsing.
        path = names.get(stored_name) or names.setdefault(stored_name, f"#{len(names)}")
        if value is None:
            removes.append(path)
        else:
            sets.append(f"{path} = {get_value_placeholder(item[stored_name], placeholders)}")
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(sets) if sets else "",
            "REMOVE " + ", ".join(removes) if removes else "",
        )
        if part
    )
    request: UpdateRequest = {
        "TableName": model_class.Meta.table_name,
        "Key": {name: item[name] for name in _key_names(model_class)},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {placeholder: name for name, placeholder in names.items()},
        "ExpressionAttributeValues": placeholders,
    }
    if condition_expression:
        request["ConditionExpression"] = condition_expression
    return request


@cache
def _stored_names(model_class: type[Model]) -> dict[str, str]:
    """Each attribute's name in the model -> its name in the table."""
    return {name: attribute.attr_name for name, attribute in model_class.get_attributes().items()}


@cache
def _key_names(model_class: type[Model]) -> tuple[str, ...]:
    return tuple(
        attribute.attr_name
        for attribute in model_class.get_attributes().values()
        if attribute.is_hash_key or attribute.is_range_key
    )


def run_update[M: Model](model_class: type[M], request: UpdateRequest) -> M:
    """Runs the update alone; the item as stored after it. A refused condition (or any other
    failure DynamoDB answers) is PynamoDB's UpdateError, as `Model.update` raises."""
    try:
        answer = shared_connection().dispatch("UpdateItem", {**request, "ReturnValues": "ALL_NEW"})
    except (BotoCoreError, ClientError) as error:
        raise UpdateError("Failed to update item", error) from error
    return model_class.from_raw_data(answer["Attributes"])


def run_transaction(requests: Sequence[UpdateRequest]) -> None:
    """The updates as one transaction (at most 100); TransactWriteError if it is cancelled."""
    shared_connection().transact_write_items(
        condition_check_items=[], delete_items=[], put_items=[], update_items=list(requests)
    )
