"""Wires registration: settings, HTTP routes (/v1 and SCIM), event handlers and the import worker."""

from __future__ import annotations

from services.registration.adapters.tables import PARTICIPANT_BOARD
from services.registration.config import Settings
from services.registration.entrypoints.events import HANDLERS
from services.registration.entrypoints.http import router
from services.registration.entrypoints.my_http import router as my_router
from services.registration.entrypoints.program_http import router as program_router
from services.registration.entrypoints.scim import router as scim_router
from services.registration.entrypoints.scim import settings as scim_settings_router
from services.registration.entrypoints.search_http import router as search_router
from services.registration.entrypoints.steering_http import router as steering_router
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
            router,
            scim_router,
            scim_settings_router,
            program_router,
            search_router,
            steering_router,
            my_router,
        ],
        handlers=HANDLERS,
        workers=[worker_factory(settings), announcer_factory()],
    )
