"""Wires grants: settings, HTTP routes and (none yet) event handlers."""

from __future__ import annotations

from services.grants.config import Settings
from services.grants.entrypoints.events import HANDLERS
from services.grants.entrypoints.http import router
from shared.runtime import ServiceSpec


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or Settings(),
        title="Mentorweb grants",
        description="Mentorship start-up grant applications, review, budget and the June 30 deadline.",
        routers=[router],
        handlers=HANDLERS,
    )
