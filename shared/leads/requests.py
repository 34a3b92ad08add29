"""The bodies of support's lead upsert and assign, apart from `shared.leads.assignments` and
`shared.leads.pool` so that listing leads never loads pydantic (the support function loads this
module lazily, see shared.http.app)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.http.text import ID_PATTERN, SINGLE_LINE_TEXT, TERRITORY_PATTERN


class LeadInput(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    lead_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    territory: str = Field(min_length=1, max_length=32, pattern=TERRITORY_PATTERN)
    assigned_agent_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=ID_PATTERN
    )
    address: str | None = Field(default=None, max_length=500, pattern=SINGLE_LINE_TEXT)
    score: float | None = Field(default=None, ge=0, le=1)


class LeadUpsert(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    leads: list[LeadInput] = Field(min_length=1, max_length=500)


class Assignment(BaseModel):
    """Support gives one lead to an agent. The lead must be where the caller saw it: in the pool
    (no `from_agent_id`, the console's Assign) or with `from_agent_id` (moving it between
    agents). So of concurrent assigns of one lead exactly one wins; the others get 409."""

    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    agent_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    from_agent_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=ID_PATTERN,
        description="The agent the lead is taken from; absent: the lead is in the unassigned pool.",
    )
