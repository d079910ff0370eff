"""Wires notifications: settings, HTTP routes, event handlers, the mail dispatcher and the scheduler."""

from __future__ import annotations

from services.notifications.adapters.mailer import SmtpMailer
from services.notifications.adapters.tables import PARTICIPANT_BOARD
from services.notifications.config import Settings
from services.notifications.entrypoints.calendar_http import router as calendar_router
from services.notifications.entrypoints.events import handlers
from services.notifications.entrypoints.http import router
from services.notifications.service_layer.delivery import MailDispatcher
from services.notifications.service_layer.scheduler import Clock, Scheduler
from shared.runtime import Runtime, ServiceSpec


def build_spec(settings: Settings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    """The notifications service; ``clock`` (tests) drives reminders and digests instead of the time of day."""
    settings = settings or Settings()

    def dispatcher(runtime: Runtime) -> MailDispatcher:
        return MailDispatcher(settings, runtime.session_factory, SmtpMailer(settings))

    def scheduler(runtime: Runtime) -> Scheduler:
        return Scheduler(settings, runtime.session_factory, clock)

    return ServiceSpec(
        participant_board=PARTICIPANT_BOARD,
        settings=settings,
        title="Mentorweb notifications",
        description="Bilingual email with calendar invites, reminders, preferences and a delivery log.",
        routers=[router, calendar_router],
        handlers=handlers(settings),
        workers=[dispatcher, scheduler],
    )
