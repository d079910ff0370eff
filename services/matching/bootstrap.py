"""Wires matching: settings, HTTP routes, event handlers (one place, cosmicpython's bootstrap)."""

from __future__ import annotations

from services.matching.adapters.tables import PARTICIPANT_BOARD
from services.matching.config import Settings
from services.matching.entrypoints.events import HANDLERS
from services.matching.entrypoints.hubs import router as hubs_router
from services.matching.entrypoints.mentoring_web import router as mentoring_web_router
from services.matching.entrypoints.readiness import router as readiness_router
from services.matching.entrypoints.release_days import router as release_days_router
from services.matching.entrypoints.workflow import router as workflow_router
from shared.runtime import ServiceSpec


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        participant_board=PARTICIPANT_BOARD,
        settings=settings or Settings(),
        title="Mentorweb matching",
        description="Mentoring hubs, hub leaders, one-to-one mentors, late joiners and coordinator overrides.",
        routers=[hubs_router, release_days_router, workflow_router, readiness_router, mentoring_web_router],
        handlers=HANDLERS,
    )
