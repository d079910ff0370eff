"""Wires notifications: settings, HTTP routes, event handlers and the mail dispatcher."""

from __future__ import annotations

from services.notifications.adapters.mailer import SmtpMailer
from services.notifications.config import Settings
from services.notifications.entrypoints.events import handlers
from services.notifications.entrypoints.http import router
from services.notifications.service_layer.delivery import MailDispatcher
from shared.runtime import Runtime, ServiceSpec


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()

    def dispatcher(runtime: Runtime) -> MailDispatcher:
        return MailDispatcher(settings, runtime.session_factory, SmtpMailer(settings))

    return ServiceSpec(
        settings=settings,
        title="Mentorweb notifications",
        description="Bilingual email with calendar invites, reminders, preferences and a delivery log.",
        routers=[router],
        handlers=handlers(settings),
        workers=[dispatcher],
    )
