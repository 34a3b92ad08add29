"""The request bodies of the ticket routes: opening (agent), approving and rejecting (support).

Apart from `shared.cancellation.tickets` so that listing or withdrawing a ticket never loads
pydantic: the functions load this module lazily, when a body is first validated (see
`shared.http.app.lazy_module`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.cancellation.tickets import Effective, Reason
from shared.http.text import MULTI_LINE_TEXT


class NewTicket(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    reason: Reason
    comment: str | None = Field(default=None, max_length=2000, pattern=MULTI_LINE_TEXT)
    # Documented as const true: a client that sends false is told so, with this message.
    acknowledge_consequences: bool = Field(
        json_schema_extra={"const": True},
        description="Must be true: the agent acknowledges losing access and their leads.",
    )

    @field_validator("acknowledge_consequences")
    @classmethod
    def must_acknowledge(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("The consequences of cancelling must be acknowledged.")
        return value


class Approval(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    effective: Effective = "immediately"


class Rejection(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    note: str = Field(min_length=1, max_length=2000, pattern=MULTI_LINE_TEXT)
