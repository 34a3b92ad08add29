"""The body of support's lead upsert, apart from `shared.leads.assignments` so that listing an
agent's leads never loads pydantic (the support function loads this module lazily, see
shared.http.app)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LeadInput(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    lead_id: str = Field(min_length=1, max_length=128)
    territory: str = Field(min_length=1, max_length=32)
    assigned_agent_id: str | None = Field(default=None, min_length=1, max_length=128)
    address: str | None = Field(default=None, max_length=500)
    score: float | None = Field(default=None, ge=0, le=1)


class LeadUpsert(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    leads: list[LeadInput] = Field(min_length=1, max_length=500)
