"""Pure decisions: reminder and digest timing, the grant deadline, calendar identities, wording."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import messages, wording
from services.notifications.domain.calendar import (
    hub_formation_invite,
    hub_meeting_id,
    meeting_uid,
    single_entry_invite,
)
from services.notifications.domain.digest import (
    HeldMessage,
    digest_entries,
    digest_event_id,
    initial_state,
    reminder_event_id,
)
from services.notifications.domain.timing import (
    board_zone,
    digest_cutoff,
    grant_deadline,
    reminder_due_at,
    still_worth_reminding,
    upcoming_grant_program_year,
)

pytestmark = pytest.mark.unit
TORONTO = ZoneInfo("America/Toronto")


def test_reminder_three_days_before_unless_already_too_close() -> None:
    now = datetime(2026, 10, 1, 12, tzinfo=UTC)
    starts = datetime(2026, 10, 10, 20, tzinfo=UTC)
    assert reminder_due_at(starts, timedelta(days=3), now) == datetime(2026, 10, 7, 20, tzinfo=UTC)
    assert reminder_due_at(now + timedelta(days=2), timedelta(days=3), now) is None
    assert still_worth_reminding(starts, now) and not still_worth_reminding(starts, starts)
    with pytest.raises(ValueError):
        reminder_due_at(datetime(2026, 10, 10), timedelta(days=3), now)


def test_grant_deadline_is_june_30_local_and_the_next_one_is_chosen() -> None:
    assert grant_deadline("2026-2027", TORONTO) == datetime(2027, 6, 30, 23, 59, 59, tzinfo=TORONTO)
    assert upcoming_grant_program_year(datetime(2027, 3, 1, tzinfo=UTC), TORONTO) == "2026-2027"
    # 2027-07-01 03:00 UTC is still June 30 in Toronto: that deadline has not passed yet.
    assert upcoming_grant_program_year(datetime(2027, 7, 1, 3, tzinfo=UTC), TORONTO) == "2026-2027"
    assert upcoming_grant_program_year(datetime(2027, 7, 1, 5, tzinfo=UTC), TORONTO) == "2027-2028"
    assert upcoming_grant_program_year(datetime(2026, 11, 1, tzinfo=UTC), TORONTO) == "2026-2027"
    with pytest.raises(ValueError):
        grant_deadline("2026-2028", TORONTO)


def test_board_zone_falls_back_to_the_default() -> None:
    assert board_zone("Nowhere/City") == TORONTO
    assert board_zone("America/Winnipeg") == ZoneInfo("America/Winnipeg")


def test_digest_cutoff_is_the_last_monday_morning_in_board_time() -> None:
    wednesday = datetime(2026, 11, 25, 15, tzinfo=UTC)
    assert digest_cutoff(wednesday, TORONTO) == datetime(2026, 11, 23, 7, tzinfo=TORONTO)
    monday_early = datetime(2026, 11, 23, 11, tzinfo=UTC)  # 06:00 in Toronto: last week's cutoff
    assert digest_cutoff(monday_early, TORONTO) == datetime(2026, 11, 16, 7, tzinfo=TORONTO)
    # Across the autumn DST change the cutoff stays at 07:00 local.
    assert digest_cutoff(datetime(2026, 11, 3, 12, tzinfo=UTC), TORONTO).hour == 7


def test_urgent_and_invitations_go_at_once_others_follow_preferences() -> None:
    assert (
        initial_state(urgent=True, has_calendar=False, unsubscribed=True, preference="weekly_digest")
        == "pending"
    )
    assert initial_state(urgent=False, has_calendar=True, unsubscribed=True, preference=None) == "pending"
    assert initial_state(urgent=False, has_calendar=False, unsubscribed=True, preference=None) == "suppressed"
    assert (
        initial_state(urgent=False, has_calendar=False, unsubscribed=False, preference="weekly_digest")
        == "held"
    )
    assert (
        initial_state(urgent=False, has_calendar=False, unsubscribed=False, preference="immediate")
        == "pending"
    )


def test_digest_entries_drop_footers_and_keep_order() -> None:
    t = datetime(2026, 11, 23, tzinfo=UTC)
    held = [
        HeldMessage("second", "Body two\n\n--\nfooter", t + timedelta(hours=1)),
        HeldMessage("first", "Body one\n\n--\nfooter", t),
    ]
    entries = digest_entries(held)
    assert [e.subject for e in entries] == ["first", "second"]
    assert entries[0].text == "Body one"


def test_derived_ids_are_stable() -> None:
    cutoff = datetime(2026, 11, 23, 7, tzinfo=TORONTO)
    assert digest_event_id("A@x.org", cutoff) == digest_event_id("a@x.org", cutoff)
    assert digest_event_id("a@x.org", cutoff) != digest_event_id("a@x.org", cutoff + timedelta(days=7))
    assert reminder_event_id("meeting:1", cutoff) != reminder_event_id(
        "meeting:1", cutoff + timedelta(days=1)
    )
    hub = uuid.uuid4()
    assert hub_meeting_id(hub, 0) == hub_meeting_id(hub, 0) != hub_meeting_id(hub, 1)


def test_hub_invite_has_one_entry_per_date_and_cancel_reuses_the_uids() -> None:
    hub = uuid.uuid4()
    dates = [datetime(2026, 10, 6, 20, tzinfo=UTC), datetime(2026, 11, 3, 21, tzinfo=UTC)]
    stamp = datetime(2026, 9, 1, tzinfo=UTC)
    invite = hub_formation_invite(
        hub_id=hub, meeting_dates=dates, duration=timedelta(hours=2), summary="Hub", stamp=stamp
    )
    assert invite is not None and invite.method == "REQUEST"
    assert [e.starts_at for e in invite.entries] == dates
    assert invite.entries[0].uid == meeting_uid(hub_meeting_id(hub, 0))
    cancel = hub_formation_invite(
        hub_id=hub,
        meeting_dates=dates,
        duration=timedelta(hours=2),
        summary="Hub",
        stamp=stamp,
        sequence=1,
        cancel=True,
    )
    assert cancel is not None and cancel.method == "CANCEL"
    assert [e.uid for e in cancel.entries] == [e.uid for e in invite.entries]
    assert all(e.cancelled and e.sequence == 1 for e in cancel.entries)
    assert (
        hub_formation_invite(
            hub_id=hub, meeting_dates=[], duration=timedelta(hours=2), summary="", stamp=stamp
        )
        is None
    )


def test_single_entry_invite_method_follows_cancellation() -> None:
    start = datetime(2026, 10, 6, 20, tzinfo=UTC)
    kwargs: dict[str, Any] = {
        "uid": "u@mentorweb",
        "sequence": 2,
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
    }
    assert single_entry_invite(**kwargs, summary="s", stamp=start, cancelled=False).method == "REQUEST"
    cancelled = single_entry_invite(**kwargs, summary="s", stamp=start, cancelled=True)
    assert cancelled.method == "CANCEL" and cancelled.entries[0].cancelled


def test_wording_in_both_languages() -> None:
    moment = datetime(2026, 10, 6, 20, 0, tzinfo=UTC)  # 16:00 in Toronto
    assert wording.format_when(moment, "en", TORONTO) == "Tuesday, October 6, 2026, 4:00 p.m."
    assert wording.format_when(moment, "fr", TORONTO) == "mardi 6 octobre 2026, 16 h 00"
    assert wording.hub_summary("Évaluation", "fr") == "Carrefour de mentorat : Évaluation"
    assert wording.board_phrase(None, "fr") == "votre conseil scolaire"
    assert wording.join_names(["Ana", "Ben", "Chloé"], "fr") == "Ana, Ben et Chloé"
    assert wording.hub_summary("", "fr") == "Carrefour de mentorat"
    assert messages.why("hub", "fr").startswith("vous")
