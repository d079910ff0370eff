"""Engagement and its flags, judged at an instant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.evaluation.domain.engagement import (
    Hub,
    Meeting,
    Observation,
    Pairing,
    hub_engagement,
    missed_in_a_row,
    pairing_engagement,
    record_meeting,
)
from services.evaluation.domain.errors import Conflict, InvalidFields

pytestmark = pytest.mark.unit

T1, T2, L1 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
HUB = Hub(uuid.uuid4(), "ELM", "2026-2027", datetime(2026, 9, 1, tzinfo=UTC), (T1, T2), (L1,))


def held(day: datetime, present: set[uuid.UUID], absent: set[uuid.UUID]) -> Meeting:
    return Meeting(
        uuid.uuid4(), HUB.id, day, day + timedelta(hours=2), "held", frozenset(present), frozenset(absent)
    )


def test_a_hub_is_quiet_after_eight_weeks_without_a_meeting_held():
    start = HUB.formed_at
    assert [f.code for f in hub_engagement(HUB, [], start + timedelta(weeks=8)).flags] == ["quiet_hub"]
    assert hub_engagement(HUB, [], start + timedelta(weeks=8) - timedelta(seconds=1)).flags == ()
    meeting = held(start + timedelta(weeks=7), {T1, T2}, set())
    assert hub_engagement(HUB, [meeting], start + timedelta(weeks=9)).flags == ()
    # A meeting only scheduled, or cancelled, is no contact.
    planned = Meeting(
        uuid.uuid4(), HUB.id, start + timedelta(weeks=7), start + timedelta(weeks=7, hours=2), "scheduled"
    )
    assert [f.code for f in hub_engagement(HUB, [planned], start + timedelta(weeks=9)).flags] == ["quiet_hub"]


def test_two_missed_meetings_in_a_row_and_back_again():
    day = datetime(2026, 10, 1, tzinfo=UTC)
    first, second = held(day, {T2}, {T1}), held(day + timedelta(days=30), {T2}, {T1})
    assert missed_in_a_row(T1, [second, first])
    assert not missed_in_a_row(T2, [first, second])
    third = held(day + timedelta(days=60), {T1, T2}, set())
    assert not missed_in_a_row(T1, [first, second, third])
    e = hub_engagement(HUB, [first, second], day + timedelta(days=31))
    assert [(f.code, f.participant_id) for f in e.flags] == [("missed_meetings", T1)]
    assert (e.present, e.absent, e.attendance_rate) == (2, 2, 0.5)


def test_a_pairing_without_a_visit_by_february():
    pairing = Pairing(T1, L1, "2026-2027")
    assert pairing_engagement(pairing, [], datetime(2027, 1, 31, tzinfo=UTC)).flags == ()
    assert [f.code for f in pairing_engagement(pairing, [], datetime(2027, 2, 1, tzinfo=UTC)).flags] == [
        "no_observation"
    ]
    visit = Observation(
        uuid.uuid4(), T1, L1, datetime(2027, 2, 3, tzinfo=UTC), datetime(2027, 2, 3, 2, tzinfo=UTC)
    )
    assert pairing_engagement(pairing, [visit], datetime(2027, 2, 4, tzinfo=UTC)).visits == 1
    assert pairing_engagement(pairing, [visit], datetime(2027, 2, 4, tzinfo=UTC)).flags == ()
    other = Observation(uuid.uuid4(), T2, L1, visit.starts_at, visit.ends_at)
    assert pairing_engagement(pairing, [other], datetime(2027, 2, 4, tzinfo=UTC)).visits == 0


def test_recording_a_meeting_names_every_bad_field_and_refuses_what_did_not_happen():
    day = datetime(2026, 10, 1, tzinfo=UTC)
    meeting = Meeting(uuid.uuid4(), HUB.id, day, day + timedelta(hours=2), "scheduled")
    with pytest.raises(InvalidFields) as refused:
        record_meeting(HUB, meeting, present=[uuid.uuid4()], absent=[T1, T1], now=day)
    assert set(refused.value.problems) == {"present", "absent"}
    with pytest.raises(Conflict):
        record_meeting(HUB, meeting, present=[T1], absent=[], now=day - timedelta(minutes=1))
    with pytest.raises(Conflict):
        record_meeting(
            HUB, Meeting(meeting.id, HUB.id, day, day, "cancelled"), present=[T1], absent=[], now=day
        )
    assert record_meeting(HUB, meeting, present=[T1, L1], absent=[T2], now=day) == (
        frozenset({T1, L1}),
        frozenset({T2}),
    )
