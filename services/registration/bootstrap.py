"""Wires registration: settings, HTTP routes (/v1 and SCIM), event handlers and the import worker."""

from __future__ import annotations

from services.registration.adapters.tables import PARTICIPANT_BOARD
from services.registration.config import Settings
from services.registration.entrypoints import (
    boards,
    imports,
    participants,
    program_years,
    scim,
    search,
    sessions,
    steering,
)
from services.registration.entrypoints.events import HANDLERS
from services.registration.service_layer.announcing import announcer_factory
from services.registration.service_layer.importing import worker_factory
from shared.runtime import ServiceSpec


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()
    return ServiceSpec(
        participant_board=PARTICIPANT_BOARD,
        settings=settings,
        title="Mentorweb registration",
        description="Boards, schools, participants and their learning goals; HR feeds (CSV, OneRoster, SCIM).",
        routers=[
            boards.router,
            participants.router,
            imports.router,
            scim.router,
            scim.settings,
            program_years.router,
            sessions.router,
            sessions.portal,
            search.router,
            steering.router,
        ],
        handlers=HANDLERS,
        workers=[worker_factory(settings), announcer_factory()],
    )
