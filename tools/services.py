"""The services as the operator tools see them: each one's settings, handler spec and migrations.

The platform (shared/) knows services only by name; this is where a name becomes a module.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

from shared.migrations import FRONTENDS, SERVICES, upgrade
from shared.settings import ServiceSettings

if TYPE_CHECKING:  # the runtime pulls in FastAPI and the broker: not needed to mint a token
    from shared.runtime import ServiceSpec

__all__ = ["FRONTENDS", "SERVICES", "build_spec", "migrate", "settings_for"]


def settings_for(service: str) -> ServiceSettings:
    """A service's settings; ``<SERVICE>_DATABASE_URL`` lets one migration job reach every database."""
    module = importlib.import_module(f"services.{service}.config")
    settings: ServiceSettings = module.Settings()
    override = os.environ.get(f"{service.upper()}_DATABASE_URL")
    return settings.model_copy(update={"database_url": override}) if override else settings


def build_spec(service: str, settings: ServiceSettings | None = None) -> ServiceSpec:
    """What ``service`` runs: its handlers (the events it consumes), routers and background tasks."""
    spec: ServiceSpec = importlib.import_module(f"services.{service}.bootstrap").build_spec(settings)
    return spec


async def migrate(service: str) -> None:
    """Create ``service``'s database and runtime role when missing and migrate it to head, at the
    database its settings name."""
    await upgrade(service, settings_for(service).database_url)
