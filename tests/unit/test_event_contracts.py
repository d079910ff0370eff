"""Event contracts: envelope, routing keys, versioning rules."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.events import EVENT_TYPES, UndecodableEvent, decode, encode
from shared.events.envelope import IntegrationEvent
from shared.events.registration import ParticipantProfile, TeacherRegistered

pytestmark = pytest.mark.unit


def _registered() -> TeacherRegistered:
    return TeacherRegistered(
        board="ELM",
        participant=ParticipantProfile(
            participant_id=uuid.uuid4(),
            program_year="2026-2027",
            hr_id="E-1",
            role="beginning_teacher",
            given_name="Ana",
            family_name="Li",
            email="ana@example.org",
        ),
    )


def test_envelope_carries_identity_type_version_board_and_correlation():
    event = _registered()
    assert event.type == "TeacherRegistered" and event.version == 1 and event.producer == "registration"
    assert event.occurred_at.tzinfo is not None and event.occurred_at.utcoffset().total_seconds() == 0
    assert event.correlation_id == event.event_id and event.causation_id is None
    assert TeacherRegistered.routing_key() == "registration.teacher_registered.v1"


def test_caused_event_keeps_correlation_and_points_at_its_cause():
    cause = _registered()
    follow = TeacherRegistered(**cause.caused(participant=cause.participant))
    assert follow.correlation_id == cause.correlation_id and follow.causation_id == cause.event_id
    assert follow.event_id != cause.event_id


def test_round_trip_and_unknown_minor_fields_are_ignored():
    event = _registered()
    raw = json.loads(encode(event))
    raw["a_field_added_in_a_later_minor_version"] = {"x": 1}
    raw["participant"]["another_new_field"] = True
    assert decode(json.dumps(raw).encode()) == event


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "TeacherRegistered", "version": 2}', "unknown event type/version"),
        (b'{"type": "Nope", "version": 1}', "unknown event type/version"),
        (b'{"type": "TeacherRegistered", "version": 1, "board": "ELM"}', "fields participant"),
    ],
)
def test_undecodable_bodies_say_why(body: bytes, reason: str):
    with pytest.raises(UndecodableEvent, match=reason):
        decode(body)


def test_every_event_is_past_tense_with_a_major_version_in_its_routing_key():
    assert len(EVENT_TYPES) >= 20
    for (name, version), cls in EVENT_TYPES.items():
        assert issubclass(cls, IntegrationEvent)
        assert name.endswith(("ed", "Formed", "Paid", "Changed", "Withdrawn")), name
        assert cls.routing_key().endswith(f".v{version}")
