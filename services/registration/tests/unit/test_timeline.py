"""The program year's timeline from the association's sample, and where a board stands on a date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import pytest

from services.registration.domain.timeline import (
    Phase,
    TimelineError,
    covering,
    default_phases,
    span,
    standing,
    validate,
)

pytestmark = pytest.mark.unit


def by_key(phases: Iterable[Phase]) -> dict[str, Phase]:
    return {p.key: p for p in phases}


def test_defaults_follow_the_sample_timeline():
    phases = by_key(default_phases("2026-2027"))
    expected = {
        "steering_committee": (date(2026, 4, 1), date(2026, 5, 31)),
        "program_planning": (date(2026, 5, 1), date(2026, 6, 30)),
        "identify_participants": (date(2026, 6, 1), date(2026, 9, 30)),
        "workshop_1": (date(2026, 10, 1), date(2026, 10, 31)),
        "local_activities_autumn": (date(2026, 11, 1), date(2027, 1, 31)),
        "workshop_2": (date(2027, 2, 1), date(2027, 2, 28)),
        "local_activities_spring": (date(2027, 2, 1), date(2027, 5, 31)),
        "school_leader_workshops": (date(2026, 10, 1), date(2027, 5, 31)),
        "evaluation_celebration": (date(2027, 5, 1), date(2027, 5, 31)),
        "grant_application": (date(2027, 5, 1), date(2027, 6, 30)),
        "steering_committee_meetings": (date(2026, 4, 1), date(2027, 6, 30)),
    }
    assert {k: (p.starts_on, p.ends_on) for k, p in phases.items()} == expected
    assert phases["school_leader_workshops"].min_workshops == 2
    assert phases["grant_application"].kind == "deadline"
    # A leap year's February has 29 days.
    assert by_key(default_phases("2027-2028"))["workshop_2"].ends_on == date(2028, 2, 29)
    validate("2026-2027", default_phases("2026-2027"))


def test_mid_october_workshop_1_is_current_and_the_unmarked_planning_is_overdue():
    phases = default_phases("2026-2027")
    now = standing(phases, date(2026, 10, 15))
    assert now.state == "in_progress"
    assert {p.key for p in now.current} == {
        "workshop_1",
        "school_leader_workshops",
        "steering_committee_meetings",
    }
    assert [p.key for p in now.overdue] == ["steering_committee", "program_planning", "identify_participants"]
    assert [p.key for p in now.next] == ["local_activities_autumn"]
    assert now.days_until(now.next[0]) == 17
    assert any("at least 2 workshops" in n for n in now.notes)


def test_completed_milestones_are_not_overdue_and_activities_never_are():
    phases = [
        replace(p, completed_on=date(2026, 9, 1))
        if p.key in ("steering_committee", "program_planning")
        else p
        for p in default_phases("2026-2027")
    ]
    now = standing(phases, date(2027, 3, 1))
    assert [p.key for p in now.overdue] == ["identify_participants", "workshop_1", "workshop_2"]
    assert {p.key for p in now.completed} == {"steering_committee", "program_planning"}
    assert "local_activities_autumn" not in {p.key for p in now.overdue}


def test_june_shows_the_grant_deadline_and_after_june_the_year_is_finished():
    phases = default_phases("2026-2027")
    june = standing(phases, date(2027, 6, 15))
    assert "grant_application" in {p.key for p in june.current}
    assert "grant_application is due on 2027-06-30" in june.notes
    assert june.next == ()
    assert standing(phases, date(2027, 7, 1)).state == "finished"
    before = standing(phases, date(2026, 3, 1))
    assert before.state == "not_started" and before.current == ()
    assert [p.key for p in before.next] == ["steering_committee", "steering_committee_meetings"]


def test_bad_timelines_are_refused_naming_the_field():
    phases = default_phases("2026-2027")
    with pytest.raises(TimelineError) as error:
        validate("2026-2028", phases)
    assert error.value.field == "program_year"
    with pytest.raises(TimelineError) as error:
        validate("2026-2027", [*phases, phases[0]])
    assert error.value.field == f"phases.{len(phases)}.key"
    backwards = replace(phases[0], starts_on=date(2026, 6, 1), ends_on=date(2026, 5, 1))
    with pytest.raises(TimelineError) as error:
        validate("2026-2027", [backwards])
    assert error.value.field == "phases.0.ends_on"
    with pytest.raises(TimelineError):
        validate("2026-2027", [replace(phases[0], ends_on=date(2031, 1, 1))])


def test_covering_picks_the_years_that_contain_the_day_else_the_nearest():
    found = [span(default_phases(y)) for y in ("2025-2026", "2026-2027")]
    assert all(found)
    spans = [s for s in found if s is not None]
    # April 2026: the 2025-2026 activities end while the 2026-2027 steering committee starts.
    assert covering(spans, date(2026, 4, 15)) == [0, 1]
    assert covering(spans, date(2026, 12, 1)) == [1]
    assert covering(spans, date(2024, 1, 1)) == [0]
    assert covering(spans, date(2030, 1, 1)) == [1]
    assert covering([], date(2030, 1, 1)) == []


def test_a_workshop_held_closes_the_workshop_phase_it_fulfils_and_nothing_else():
    from datetime import date

    from services.registration.domain.timeline import (
        close_by_fact,
        default_phases,
        grant_phases,
        workshop_phases_held,
    )

    phases = default_phases("2026-2027")
    # Workshop 1's window is October; the leaders' menu (a per-person minimum) is never closed by one.
    assert workshop_phases_held(phases, date(2026, 10, 16), ["beginning_teacher"]) == ["workshop_1"]
    assert workshop_phases_held(phases, date(2026, 10, 16), ["leader_menu"]) == []
    assert workshop_phases_held(phases, date(2026, 11, 16), ["beginning_teacher"]) == []
    assert workshop_phases_held(phases, date(2027, 2, 10), []) == ["workshop_2"]
    assert grant_phases(phases) == ["grant_application"]

    closed = close_by_fact(phases, ["workshop_1"], date(2026, 10, 16), "WorkshopHeld")
    (w1,) = [p for p in closed if p.key == "workshop_1"]
    assert (w1.completed_on, w1.completed_by) == (date(2026, 10, 16), "WorkshopHeld")
    assert [p for p in closed if p.key != "workshop_1"] == [p for p in phases if p.key != "workshop_1"]
    # A phase already closed keeps its date and who closed it.
    again = close_by_fact(closed, ["workshop_1"], date(2026, 10, 30), "WorkshopHeld")
    assert [p for p in again if p.key == "workshop_1"] == [w1]
