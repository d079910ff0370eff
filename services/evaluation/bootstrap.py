"""Wires evaluation: settings, HTTP routes, the events it handles, and the province's question sets."""

from __future__ import annotations

from services.evaluation.adapters.tables import PARTICIPANT_BOARD
from services.evaluation.config import Settings
from services.evaluation.entrypoints.events import HANDLERS
from services.evaluation.entrypoints.http import router
from services.evaluation.entrypoints.schedule import SurveySchedule
from services.evaluation.service_layer.surveys import seed_province_sets
from shared.runtime import Runtime, ServiceSpec


async def _seed(runtime: Runtime) -> None:
    async with runtime.system_uow() as uow:
        await seed_province_sets(uow)


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        participant_board=PARTICIPANT_BOARD,
        settings=settings or Settings(),
        title="Mentorweb evaluation",
        description="Engagement from events, surveys that protect people, the appreciative-inquiry "
        "harvest and the year-end report.",
        routers=[router],
        handlers=HANDLERS,
        on_startup=[_seed],
        workers=[SurveySchedule],
    )
