"""Nobody is silently left out, and the reason given is the true one: small groups of new school
leaders get a regional hub (when the board shares hubs across its region) or a one-to-one
experienced school leader; reasons are facts checked against the cause, with correct plurals."""

from __future__ import annotations

import pytest

from services.matching.domain.forming import check_hard_constraints, form_hubs
from services.matching.domain.placement_model import MatchingPolicy, MatchingResult, Mentor, Teacher

pytestmark = pytest.mark.unit


def _leader(n: int, board: str = "A", region: str | None = "R1") -> Teacher:
    return Teacher(
        participant_id=f"{board}-L{n}",
        board=board,
        hr_id=f"{board}-HL{n}",
        role="new_school_leader",
        school=f"{board}-S{n}",
        themes=("school_leadership",),
        region=region,
    )


def _administrator(
    n: int, board: str = "A", hub_capacity: int = 1, one_to_one: int = 0, region: str | None = "R1"
) -> Mentor:
    return Mentor(
        participant_id=f"{board}-P{n}",
        board=board,
        hr_id=f"{board}-HP{n}",
        expertise_themes=("school_leadership",),
        trained=True,
        hub_capacity=hub_capacity,
        one_to_one_capacity=one_to_one,
        leads_school_leaders=True,
        region=region,
    )


def _codes(result: MatchingResult, pid: str) -> list[tuple[str, dict[str, str | int | list[str]]]]:
    [unplaced] = [u for u in result.unplaced if u.participant_id == pid]
    return [(f.code, f.as_dict()) for f in unplaced.facts]


def test_nine_new_school_leaders_and_seven_free_administrators_are_not_told_all_full():
    leaders = [_leader(n) for n in range(9)]
    administrators = [_administrator(n) for n in range(7)]
    result = form_hubs(leaders, administrators)
    assert check_hard_constraints(result, leaders, administrators) == []
    [hub] = result.hubs
    assert len(hub.members) == 8
    [left] = result.unplaced
    # The true cause: one hub holds at most eight, and one person is too few for a second hub
    # (administrators were free: leaders were not the limit).
    assert _codes(result, left.participant_id) == [("too_few_for_hub", {"count": 1, "needed": 6})]
    assert "full" not in left.reason and "only 1 new school leader in en" in left.reason
    # Not left alone: an administrator whose hub place went unused mentors them one to one.
    [pairing] = [p for p in result.pairings if p.teacher_id == left.participant_id]
    assert pairing.mentor_id not in hub.leaders
    assert [f.code for f in pairing.facts] == ["mentor_school_leader"]
    assert pairing.explanation.startswith("an experienced school leader in the same board")


def test_three_new_school_leaders_join_a_regional_hub_when_the_board_shares_its_region():
    board_a = [_leader(n, "A") for n in range(3)]
    board_b = [_leader(n, "B") for n in range(4)]
    administrators = [_administrator(n, "B") for n in range(2)]
    policy = MatchingPolicy(share_across_boards_in_region=True)
    result = form_hubs(board_a + board_b, administrators, policy)
    assert check_hard_constraints(result, board_a + board_b, administrators, policy) == []
    [hub] = result.hubs
    assert set(hub.members) == {t.participant_id for t in board_a + board_b} and not result.unplaced
    assert "from 2 boards of the region" in hub.explanation
    from services.matching.domain.explaining import explain_hub

    facts, _ = explain_hub(
        hub,
        {t.participant_id: t for t in board_a + board_b},
        {m.participant_id: m for m in administrators},
    )
    assert ("regional_hub", {"boards": ["A", "B"]}) in [(f.code, f.as_dict()) for f in facts]
    assert ("hub_size", {"teachers": 0, "leaders": 7}) in [(f.code, f.as_dict()) for f in facts]


def test_without_regional_hubs_three_new_school_leaders_get_one_to_one_leaders_and_the_true_reason():
    board_a = [_leader(n, "A") for n in range(3)]
    # Board A's own administrators: one with two one-to-one places, one with an unused hub place.
    administrators = [_administrator(0, "A", hub_capacity=0, one_to_one=2), _administrator(1, "A")]
    result = form_hubs(board_a, administrators, MatchingPolicy())
    assert not result.hubs and len(result.unplaced) == 3
    for leader in board_a:
        assert _codes(result, leader.participant_id) == [("too_few_for_hub", {"count": 3, "needed": 6})]
        reason = next(u.reason for u in result.unplaced if u.participant_id == leader.participant_id)
        assert "only 3 new school leaders in en in A without a hub" in reason
    paired = {p.teacher_id: p.mentor_id for p in result.pairings}
    assert set(paired) == {t.participant_id for t in board_a}
    assert sorted(paired.values()) == ["A-P0", "A-P0", "A-P1"]


def test_too_few_leaders_is_said_with_the_right_count_and_plural():
    leaders = [_leader(n) for n in range(6)]
    result = form_hubs(leaders, [_administrator(0, hub_capacity=3)])
    assert not result.hubs and len(result.unplaced) == 6
    reason = result.unplaced[0].reason
    assert "only 1 school-leader mentor with capacity left" in reason
    assert _codes(result, leaders[0].participant_id) == [("no_trained_leader", {"mentors": 1, "needed": 2})]


def test_a_late_joiner_is_told_the_hubs_are_full_only_when_they_are():
    from services.matching.domain.forming import place_late_joiner

    teachers = [
        Teacher(f"T{n}", "B", f"H{n}", school=f"S{n}", grade_band="junior", themes=("assessment",))
        for n in range(16)
    ]
    mentors = [
        Mentor(f"M{n}", "B", f"MH{n}", expertise_themes=("assessment",), trained=True) for n in range(4)
    ]
    result = form_hubs(teachers, mentors)
    assert [len(h.members) for h in result.hubs] == [8, 8]
    late = Teacher("T99", "B", "H99", school="S99", grade_band="junior", themes=("assessment",))
    outcome = place_late_joiner(late, result.hubs, mentors, teachers)
    assert not isinstance(outcome, tuple)
    assert [(f.code, f.as_dict()) for f in outcome.facts] == [("no_hub_with_room", {"hubs": 2, "full": 2})]
    assert "all 2 hubs of their kind in B are full" in outcome.reason
