"""Hub forming: bounds, two non-evaluative leaders, nobody silently missing, determinism."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.domain.forming import check_hard_constraints, form_hubs, place_late_joiner
from services.matching.domain.placement_model import MatchingPolicy, Mentor, Teacher
from tools.synthetic_boards import board

pytestmark = pytest.mark.unit


def test_a_40_teacher_12_mentor_board_forms_valid_hubs():
    teachers, mentors = board("ELM", 40, 12, seed=3)
    result = form_hubs(teachers, mentors)
    assert check_hard_constraints(result, teachers, mentors) == []
    assert result.hubs
    for hub in result.hubs:
        assert 6 <= len(hub.members) <= 8 and len(hub.leaders) == 2
        assert hub.explanation
    placed = {m for h in result.hubs for m in h.members}
    unplaced = {u.participant_id for u in result.unplaced}
    assert placed | unplaced == {t.participant_id for t in teachers} and not placed & unplaced
    assert all(u.reason for u in result.unplaced)


def test_same_input_in_any_order_gives_identical_hubs():
    teachers, mentors = board("ELM", 60, 16, seed=5)
    first = form_hubs(teachers, mentors)
    shuffled_t, shuffled_m = teachers[:], mentors[:]
    random.Random(1).shuffle(shuffled_t)
    random.Random(2).shuffle(shuffled_m)
    assert form_hubs(shuffled_t, shuffled_m) == first


def _teacher(n: int, school: str = "S1", **changes: Any) -> Teacher:
    teacher = Teacher(
        participant_id=f"T{n:02d}",
        board="B",
        hr_id=f"H{n:02d}",
        school=f"{school}-{n % 4}",
        grade_band="junior",
        themes=("assessment",),
    )
    return replace(teacher, **changes)


def _mentor(n: int, **changes: Any) -> Mentor:
    mentor = Mentor(
        participant_id=f"M{n}",
        board="B",
        hr_id=f"MH{n}",
        expertise_themes=("assessment",),
        trained=True,
        hub_capacity=1,
    )
    return replace(mentor, **changes)


def test_a_teacher_whose_only_possible_leader_is_their_evaluator_is_not_led_by_them():
    teachers = [_teacher(n) for n in range(14)]
    evaluator = _mentor(1, evaluates_hr_ids=frozenset({"H03"}), hub_capacity=2)
    mentors = [evaluator, _mentor(2, hub_capacity=2), _mentor(3)]
    result = form_hubs(teachers, mentors)
    assert check_hard_constraints(result, teachers, mentors) == []
    for hub in result.hubs:
        if "T03" in hub.members:
            assert "M1" not in hub.leaders
    if "T03" in {u.participant_id for u in result.unplaced}:
        assert "evaluates" in next(u.reason for u in result.unplaced if u.participant_id == "T03")


def test_small_themes_merge_with_the_closest_theme_instead_of_leaving_people_out():
    maths = [_teacher(n, themes=("intermediate_mathematics",)) for n in range(5)]
    assessment = [_teacher(10 + n, themes=("assessment",)) for n in range(3)]
    mentors = [_mentor(1, expertise_themes=("intermediate_mathematics", "assessment")), _mentor(2)]
    result = form_hubs(maths + assessment, mentors)
    assert len(result.hubs) == 1 and len(result.hubs[0].members) == 8 and not result.unplaced
    assert "3 listed a neighbouring theme" in result.hubs[0].explanation


def test_too_few_teachers_are_unplaced_with_a_reason():
    result = form_hubs([_teacher(n) for n in range(4)], [_mentor(1), _mentor(2)])
    assert not result.hubs and len(result.unplaced) == 4
    assert "a hub needs at least 6" in result.unplaced[0].reason


def test_late_joiner_goes_to_a_hub_with_room_and_locked_hubs_are_left_alone():
    teachers = [_teacher(n) for n in range(13)]
    mentors = [_mentor(n) for n in range(1, 5)]
    result = form_hubs(teachers, mentors)
    late = _teacher(50, school="Elsewhere")
    placed = place_late_joiner(late, result.hubs, mentors, teachers)
    assert not hasattr(placed, "reason")
    hub, why = placed
    assert "T50" in hub.members and len(hub.members) <= 8 and "room" in why
    locked = replace(result.hubs[0], locked=True)
    rerun = form_hubs([*teachers, late], mentors, locked_hubs=[locked])
    assert locked in rerun.hubs
    assert all(m not in h.members for h in rerun.hubs if h != locked for m in locked.members)


def test_new_school_leaders_form_their_own_hubs_led_by_school_leaders():
    leaders = [_teacher(n, role="new_school_leader", themes=("school_leadership",)) for n in range(7)]
    principals = [
        _mentor(n, leads_school_leaders=True, expertise_themes=("school_leadership",)) for n in (1, 2)
    ]
    teachers_mentors = [_mentor(n) for n in (3, 4)]
    result = form_hubs(leaders, principals + teachers_mentors)
    assert len(result.hubs) == 1 and set(result.hubs[0].leaders) == {"M1", "M2"}


def test_one_to_one_mentor_prefers_the_same_school_and_never_an_evaluator():
    teacher = _teacher(1, school="Maple")
    same_school = _mentor(
        1, school=teacher.school, one_to_one_capacity=1, evaluates_hr_ids=frozenset({"H01"})
    )
    other_same_school = _mentor(2, school=teacher.school, one_to_one_capacity=1)
    elsewhere = _mentor(3, school="Oak", one_to_one_capacity=1)
    result = form_hubs([teacher], [same_school, other_same_school, elsewhere])
    assert [(p.teacher_id, p.mentor_id) for p in result.pairings] == [("T01", "M2")]


Board = tuple[list[Teacher], list[Mentor], MatchingPolicy]


@st.composite
def random_board(draw: st.DrawFn) -> Board:
    seed = draw(st.integers(0, 10_000))
    n_teachers = draw(st.integers(0, 70))
    n_mentors = draw(st.integers(0, 20))
    language = draw(st.sampled_from(["en", "fr"]))
    teachers, mentors = board(
        f"R{seed}",
        n_teachers,
        n_mentors,
        seed=seed,
        language=language,
        schools=draw(st.integers(1, 10)),
        leaders=draw(st.integers(0, 8)),
        leader_mentors=draw(st.integers(0, 3)),
        evaluator_share=draw(st.floats(0, 0.6)),
    )
    return (
        teachers,
        mentors,
        MatchingPolicy(min_hub_size=draw(st.integers(3, 6)), max_hub_size=draw(st.integers(6, 9))),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_board())
def test_hard_constraints_hold_on_random_boards(case: Board) -> None:
    teachers, mentors, policy = case
    result = form_hubs(teachers, mentors, policy)
    assert check_hard_constraints(result, teachers, mentors, policy) == []
