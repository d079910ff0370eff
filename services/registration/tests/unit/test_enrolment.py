"""Workshop and network session rules: audiences, seats, the waitlist, a new leader's progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.registration.domain.enrolment import (
    SessionRuleError,
    WorkshopRecord,
    check_session,
    ineligibility,
    promotions,
    school_leader_progress,
    seat_for_newcomer,
)

pytestmark = pytest.mark.unit

START = datetime(2026, 10, 16, 13, 0, tzinfo=UTC)


def session(**kw: object) -> None:
    values: dict[str, Any] = {
        "kind": "workshop",
        "starts_at": START,
        "ends_at": START + timedelta(hours=6),
        "location": "Board office",
        "online_url": None,
        "capacity": 30,
        "audience": ["beginning_teacher", "mentor"],
        "cohort_id": None,
    }
    values.update(kw)
    check_session(**values)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": START}, "ends_at"),
        ({"starts_at": START.replace(tzinfo=None)}, "starts_at"),
        ({"location": None}, "location"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"audience": []}, "audience"),
        ({"capacity": None}, "capacity"),
        ({"kind": "network_open", "audience": ["mentor"]}, "audience"),
        ({"kind": "network_cohort", "audience": []}, "cohort_id"),
        ({"cohort_id": "c1"}, "cohort_id"),
    ],
)
def test_a_session_must_make_sense(changes, field):
    with pytest.raises(SessionRuleError) as error:
        session(**changes)
    assert error.value.field == field


def test_valid_sessions_pass():
    session()
    session(kind="network_open", audience=[], location=None, online_url="https://meet.example.org/btn")
    session(kind="network_cohort", audience=[], capacity=None, cohort_id="c1")


def test_audiences_admit_the_right_roles_and_boards():
    args: dict[str, Any] = {
        "participant_board": "ELM",
        "participant_status": "registered",
        "session_board": "ELM",
    }
    assert ineligibility(role="beginning_teacher", audience=["beginning_teacher", "mentor"], **args) is None
    assert ineligibility(role="new_school_leader", audience=["leader_menu"], **args) is None
    assert ineligibility(role="mentor", audience=["leader_menu"], **args) is None
    refused = ineligibility(role="beginning_teacher", audience=["leader_menu"], **args)
    assert refused is not None and refused[0] == "participant_id"
    other_board = ineligibility(
        role="beginning_teacher",
        audience=["beginning_teacher"],
        participant_board="ELM",
        participant_status="registered",
        session_board="OAK",
    )
    assert other_board is not None and "another board" in other_board[1]
    provincial = ineligibility(
        role="beginning_teacher",
        audience=["beginning_teacher"],
        participant_board="ELM",
        participant_status="registered",
        session_board=None,
    )
    assert provincial is None
    withdrawn = ineligibility(
        role="beginning_teacher",
        audience=["beginning_teacher"],
        participant_board="ELM",
        participant_status="withdrawn",
        session_board=None,
    )
    assert withdrawn is not None


def test_seats_then_waitlist_then_promotion_in_order():
    assert seat_for_newcomer(2, 1, 0).status == "confirmed"
    seat = seat_for_newcomer(2, 2, 3)
    assert (seat.status, seat.position) == ("waitlisted", 4)
    assert promotions(2, 1, ["w1", "w2"]) == ["w1"]
    assert promotions(5, 1, ["w1", "w2"]) == ["w1", "w2"]
    assert promotions(2, 2, ["w1"]) == []


def test_a_new_school_leader_needs_two_menu_workshops_attended():
    def record(n: int, **kw: object) -> WorkshopRecord:
        values: dict[str, Any] = {
            "session_id": f"s{n}",
            "title": f"Workshop {n}",
            "starts_at": START + timedelta(days=30 * n),
            "leader_menu": True,
            "enrolment": "confirmed",
            "attended": None,
        }
        values.update(kw)
        return WorkshopRecord(**values)

    progress = school_leader_progress(
        [record(2), record(1, attended=True), record(3, leader_menu=False, attended=True)]
    )
    assert (progress.attended, progress.planned, progress.met, progress.remaining) == (1, 1, False, 1)
    assert [w.session_id for w in progress.workshops] == ["s1", "s2", "s3"]
    done = school_leader_progress(
        [record(1, attended=True), record(2, attended=True), record(4, cancelled=True)]
    )
    assert done.met and done.remaining == 0 and done.planned == 0


def test_session_dates_fall_inside_their_program_year():
    from datetime import UTC, datetime

    from services.registration.domain.enrolment import dates_outside_program_year

    inside = datetime(2027, 6, 30, 9, tzinfo=UTC)
    outside = datetime(2029, 3, 3, 9, tzinfo=UTC)  # a Saturday in 2029
    assert dates_outside_program_year("2026-2027", {"starts_at": inside, "ends_at": inside}) == []
    assert [
        f for f, _ in dates_outside_program_year("2026-2027", {"starts_at": outside, "ends_at": outside})
    ] == [
        "starts_at",
        "ends_at",
    ]
    assert dates_outside_program_year("2026-2027", {"starts_at": datetime(2026, 6, 30, 23, tzinfo=UTC)})
