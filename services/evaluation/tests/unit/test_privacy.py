"""Suppression: small groups, and differences between overlapping filters."""

from __future__ import annotations

import uuid

import pytest

from services.evaluation.domain.privacy import Answered, aggregate, check_min_group, nps, suppression_reason
from services.evaluation.domain.questions import PROVINCE_SETS

pytestmark = pytest.mark.unit

A, B = uuid.uuid4(), uuid.uuid4()
QUESTIONS = PROVINCE_SETS["province-core"].questions


def people(hub: uuid.UUID, role: str, n: int, score: int = 3) -> list[Answered]:
    return [Answered({"confidence": score, "recommend": 9}, hub, role) for _ in range(n)]


def test_a_group_of_four_is_suppressed_and_five_is_shown():
    assert suppression_reason(people(A, "beginning_teacher", 4), {}, 5) == "small_group"
    assert suppression_reason(people(A, "beginning_teacher", 5), {}, 5) is None


def test_the_difference_of_two_overlapping_filters_that_isolates_one_person_is_suppressed():
    group = (
        people(A, "beginning_teacher", 6)
        + people(A, "new_school_leader", 1)
        + people(B, "beginning_teacher", 6)
    )
    # Hub A (7) and hub A's beginning teachers (6) are each large enough, but their difference is one person.
    assert suppression_reason(group, {"hub": str(A), "role": "beginning_teacher"}, 5) == "difference"
    # Hub B's beginning teachers are all of hub B: no difference to exploit.
    assert suppression_reason(group, {"hub": str(B), "role": "beginning_teacher"}, 5) is None
    # Beginning teachers overall (12) would reveal the one new school leader against the whole (13).
    assert suppression_reason(group, {"role": "beginning_teacher"}, 5) == "difference"


def test_a_small_sibling_suppresses_its_neighbours_so_sums_cannot_reveal_it():
    group = people(A, "beginning_teacher", 6) + people(B, "beginning_teacher", 2)
    assert suppression_reason(group, {"hub": str(A)}, 5) == "difference"
    assert suppression_reason(group, {}, 5) is None


def test_aggregates_hide_free_text_and_compute_means_and_nps():
    group = [
        Answered({"confidence": c, "recommend": r, "comment": "Ms Smith helped"}, A, "beginning_teacher")
        for c, r in ((2, 10), (3, 9), (4, 6), (5, 8), (5, 0))
    ]
    results = aggregate(QUESTIONS, group, {}, 5)
    by_key = {q.key: q for q in results.questions}
    assert by_key["confidence"].mean == 3.8
    assert by_key["recommend"].nps == 0.0  # 2 promoters, 2 detractors of 5
    assert by_key["comment"].respondents == 5 and by_key["comment"].mean is None
    assert "Ms Smith" not in repr(results)
    # A question only four answered is suppressed on its own.
    assert by_key["efficacy"].suppressed


def test_nps_and_the_floor_of_the_minimum_group():
    assert nps([10, 9, 8, 7, 6]) == 20.0
    assert check_min_group(3) == 3
    with pytest.raises(ValueError):
        check_min_group(2)
