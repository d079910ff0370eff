"""Events notifications consumes."""

from __future__ import annotations

from services.notifications.config import Settings
from services.notifications.service_layer.welcome import welcome_handler
from shared.bus.consumer import Handler
from shared.events.envelope import IntegrationEvent
from shared.events.registration import MentorRegistered, TeacherRegistered


def handlers(settings: Settings) -> dict[type[IntegrationEvent], Handler]:
    welcome = welcome_handler(settings)
    return {TeacherRegistered: welcome, MentorRegistered: welcome}
