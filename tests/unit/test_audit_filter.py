"""What the audit history reads from an event: the participants it names, and the filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.bus.audit import AuditedEvent, AuditFilter, participants_of

pytestmark = pytest.mark.unit


def test_participants_are_every_person_an_event_names_and_never_envelope_ids():
    a, b, c, d = (str(uuid.uuid4()) for _ in range(4))
    body = {
        "event_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
        "hub_id": str(uuid.uuid4()),
        "members": [a, b],
        "leaders": [c],
        "removed": [a],
        "participant": {"participant_id": d, "email": "x@example.org"},
        "session_id": str(uuid.uuid4()),
    }
    assert participants_of(body) == [a, b, c, d]


def event(**overrides: Any) -> AuditedEvent:
    fields: dict[str, Any] = {
        "offset": 1,
        "published_at": None,
        "event_id": "e",
        "event_type": "HubFormed",
        "board": "ELM",
        "occurred_at": "2026-11-03T09:00:00+00:00",
        "hub_id": "h",
        "participants": ["p"],
        "body": {},
    }
    fields.update(overrides)
    return AuditedEvent(**fields)


def test_filters_by_participant_hub_board_type_and_time():
    assert AuditFilter(participant="p", hub="h", board="ELM", event_types=("HubFormed",)).matches(event())
    assert not AuditFilter(participant="q").matches(event())
    assert not AuditFilter(hub="other").matches(event())
    assert not AuditFilter(board="OAK").matches(event())
    assert not AuditFilter(event_types=("MentorPaired",)).matches(event())
    assert AuditFilter(since=datetime(2026, 11, 3, 9, tzinfo=UTC)).matches(event())
    assert not AuditFilter(since=datetime(2026, 11, 3, 9, 1, tzinfo=UTC)).matches(event())
    assert not AuditFilter(until=datetime(2026, 11, 3, 8, 59, tzinfo=UTC)).matches(event())
