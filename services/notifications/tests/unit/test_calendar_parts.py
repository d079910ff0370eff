"""Each kind of message carries the calendar part its entry in ``KINDS`` promises, built by the
domain from plain values (the service layer attaches nothing itself)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.notifications.domain import messages
from services.notifications.domain.calendar import hub_meeting_id, meeting_uid, observation_uid, session_uid
from services.notifications.tests.unit.samples import SPAN, START, ZONE

pytestmark = pytest.mark.unit

SESSION_ID = uuid.uuid4()
MEETING = messages.Booked(uuid.uuid4(), START, START + timedelta(hours=2), sequence=3, location="Salle 4")
SESSION = messages.Session(
    title="Atelier 1", kind="workshop", span=SPAN, location="Salle 204", session_id=SESSION_ID, sequence=2
)


def hub_changed(*, you_joined: bool) -> messages.Draft:
    return messages.hub_changed(
        "fr",
        theme="Évaluation",
        you_joined=you_joined,
        is_leader=False,
        added=[],
        removed=[],
        new_leaders=False,
        members=[],
        leaders=[],
        meetings=[START],
        zone=ZONE,
        explanations=[],
        calendar=[MEETING],
        stamp=START,
    )


def test_kinds_promising_no_calendar_part_carry_none_and_the_others_say_which() -> None:
    with_calendar = {name for name, kind in messages.KINDS.items() if kind.calendar}
    assert with_calendar == {
        "hub_formed",
        "hub_changed",
        "hub_removed",
        "hub_meeting",
        "observation",
        "session_update",
        "enrolment_confirmed",
        "enrolment_cancelled",
    }


def test_a_hub_formed_invites_to_each_meeting_date_under_the_derived_meeting_ids() -> None:
    hub_id = uuid.uuid4()
    draft = messages.hub_formed(
        "en",
        program_year="2026-2027",
        theme="Assessment",
        is_leader=False,
        members=[],
        leaders=[],
        unknown_count=0,
        meetings=[START, START + timedelta(days=28)],
        zone=ZONE,
        explanations=[],
        hub_id=hub_id,
        meeting_length=timedelta(minutes=90),
        stamp=START,
    )
    assert draft.invite is not None and draft.invite.method == "REQUEST"
    assert [e.uid for e in draft.invite.entries] == [meeting_uid(hub_meeting_id(hub_id, i)) for i in (0, 1)]
    assert draft.invite.entries[0].ends_at - draft.invite.entries[0].starts_at == timedelta(minutes=90)
    assert draft.invite.entries[0].summary == "Mentoring hub: Assessment"


def test_only_who_joined_a_hub_is_invited_to_its_meetings() -> None:
    joined, told = hub_changed(you_joined=True), hub_changed(you_joined=False)
    assert joined.invite is not None and joined.invite.method == "REQUEST"
    assert [(e.uid, e.sequence) for e in joined.invite.entries] == [(meeting_uid(MEETING.meeting_id), 3)]
    assert told.invite is None


def test_who_left_a_hub_gets_its_meetings_cancelled_one_sequence_on_and_is_told_so() -> None:
    draft = messages.hub_removed(
        "en", theme=None, dissolved=False, meetings_cancelled=False, calendar=[MEETING], stamp=START
    )
    assert draft.invite is not None and draft.invite.method == "CANCEL"
    assert [(e.sequence, e.cancelled) for e in draft.invite.entries] == [(4, True)]
    assert draft.context["calendar_cancelled"] is True
    nothing = messages.hub_removed("en", theme=None, dissolved=True, meetings_cancelled=True, stamp=START)
    assert nothing.invite is None and nothing.context["calendar_cancelled"] is False


def test_a_meeting_and_a_visit_carry_their_own_entry_or_its_cancellation() -> None:
    meeting_id, visit_id = uuid.uuid4(), uuid.uuid4()
    moved = messages.hub_meeting(
        "fr",
        change="rescheduled",
        theme="Évaluation",
        span=SPAN,
        location=None,
        release_time=False,
        meeting_id=meeting_id,
        sequence=1,
        stamp=START,
    )
    assert moved.invite is not None and moved.invite.method == "REQUEST"
    assert moved.invite.entries[0].uid == meeting_uid(meeting_id) and moved.invite.entries[0].sequence == 1
    assert moved.invite.entries[0].summary == "Carrefour de mentorat : Évaluation"
    cancelled = messages.observation(
        "en",
        change="cancelled",
        is_visitor=True,
        partner_name=None,
        span=SPAN,
        observation_id=visit_id,
        sequence=2,
        stamp=START,
    )
    assert cancelled.invite is not None and cancelled.invite.method == "CANCEL"
    assert cancelled.invite.entries[0].uid == observation_uid(visit_id)


def test_only_the_confirmed_have_a_session_in_their_calendar() -> None:
    confirmed = messages.session_update("en", session=SESSION, change="changed", confirmed=True, stamp=START)
    waiting = messages.session_update("en", session=SESSION, change="changed", confirmed=False, stamp=START)
    assert confirmed.invite is not None and confirmed.invite.entries[0].uid == session_uid(SESSION_ID)
    assert waiting.invite is None
    enrolled = messages.enrolment_confirmed("en", session=SESSION, promoted=False, stamp=START)
    assert enrolled.invite is not None and enrolled.invite.method == "REQUEST"
    left = messages.enrolment_cancelled("en", session=SESSION, was_confirmed=True, stamp=START)
    assert left.invite is not None and left.invite.method == "CANCEL" and left.invite.entries[0].sequence == 3
    assert (
        messages.enrolment_cancelled("en", session=SESSION, was_confirmed=False, stamp=START).invite is None
    )
