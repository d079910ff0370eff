"""Wires registration: settings, HTTP routes, event handlers (one place, cosmicpython's bootstrap)."""

from __future__ import annotations

from services.registration.config import Settings
from services.registration.entrypoints.events import HANDLERS
from services.registration.entrypoints.http import router
from shared.runtime import ServiceSpec


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        settings=settings or Settings(),
        title="Mentorweb registration",
        description="Boards, schools, participants and their learning goals; HR feeds (CSV, OneRoster, SCIM).",
        routers=[router],
        handlers=HANDLERS,
    )
