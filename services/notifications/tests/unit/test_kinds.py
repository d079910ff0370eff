"""The catalogue of kinds of message (``domain.messages.KINDS``) agrees with what the service does:
every event a kind names as its trigger is consumed, and every event a topic writes messages for is
wired to a reaction."""

from __future__ import annotations

import re

import pytest

from services.notifications.config import Settings
from services.notifications.domain import messages
from services.notifications.entrypoints.events import handlers
from services.notifications.service_layer.news import Newsroom

pytestmark = pytest.mark.unit

EVENT_NAME = re.compile(r"^[A-Z][A-Za-z]+$")


def test_every_trigger_named_by_a_kind_is_an_event_notifications_consumes() -> None:
    consumed = {event_type.__name__ for event_type in handlers(Settings())}
    named = {t for kind in messages.KINDS.values() for t in kind.triggers if EVENT_NAME.match(t)}
    assert named and named <= consumed, named - consumed


def test_every_event_a_topic_writes_messages_for_has_a_reaction() -> None:
    consumed = set(handlers(Settings()))
    covered = set(Newsroom(Settings()).messenger.topics)
    assert covered <= consumed, covered - consumed


def test_every_kind_has_a_reason_worded_in_both_languages() -> None:
    for name, kind in messages.KINDS.items():
        assert kind.recipients, name
        assert messages.why(kind.reason, "en") and messages.why(kind.reason, "fr"), name
