"""Per-container start-up: read the settings once and point the data layer at its tables."""

from __future__ import annotations

from functools import cache

from shared.config import Settings, get_settings
from shared.data.connection import configure_models


@cache
def cached_settings() -> Settings:
    """This container's settings, read once; the first call also points the data layer
    (PynamoDB models) at the tables they name, so every handler calls this first."""
    settings = get_settings()
    configure_models(settings)
    return settings


def reset() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    cached_settings.cache_clear()
