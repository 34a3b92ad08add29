"""Per-container start-up: read the settings once and point the data layer at its tables."""

from __future__ import annotations

from functools import cache

from shared.config import Settings, get_settings
from shared.data.models import configure_models


@cache
def bootstrap() -> Settings:
    settings = get_settings()
    configure_models(settings)
    return settings


def reset() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    bootstrap.cache_clear()
