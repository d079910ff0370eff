"""One-to-one pairings: a school-based mentor for each beginning teacher (the Alberta model), and an
experienced school leader for each new school leader without a hub. Pure; never an evaluator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from services.matching.domain.explaining import pairing_facts, pairing_sentence
from services.matching.domain.placement_model import Mentor, Pairing, Teacher
from services.matching.domain.themes import band_distance


def pair_one_to_one(teachers: Sequence[Teacher], mentors: Sequence[Mentor]) -> list[Pairing]:
    """One school-based mentor per beginning teacher where possible (the Alberta model): same school
    first, else same board; same assignment preferred; never an evaluator; within capacity."""
    capacity = {m.participant_id: m.one_to_one_capacity for m in mentors}
    by_board: dict[tuple[str, str], list[Mentor]] = defaultdict(list)  # mentors with room left
    for mentor in mentors:
        if not mentor.leads_school_leaders and capacity[mentor.participant_id] > 0:
            by_board[(mentor.board, mentor.language)].append(mentor)
    pairings = []
    for teacher in sorted(teachers, key=lambda t: t.participant_id):
        if teacher.role != "beginning_teacher":
            continue
        candidates = [
            m
            for m in by_board.get((teacher.board, teacher.language), [])
            if capacity[m.participant_id] > 0 and not m.evaluates(teacher)
        ]
        if not candidates:
            continue

        def rank(m: Mentor, teacher: Teacher = teacher) -> tuple[int, int, int, str]:
            return (
                0 if m.school and m.school == teacher.school else 1,
                band_distance(m.grade_band, teacher.grade_band),
                0 if set(m.subjects) & set(teacher.subjects) else 1,
                m.participant_id,
            )

        mentor = min(candidates, key=rank)
        capacity[mentor.participant_id] -= 1
        if not capacity[mentor.participant_id]:
            by_board[(mentor.board, mentor.language)].remove(mentor)
        pairings.append(_pairing(teacher, mentor))
    return pairings


def _pairing(teacher: Teacher, mentor: Mentor) -> Pairing:
    return Pairing(
        teacher.participant_id,
        mentor.participant_id,
        pairing_sentence(teacher, mentor),
        tuple(pairing_facts(teacher, mentor)),
    )


def pair_new_school_leaders(
    waiting: Sequence[Teacher], mentors: Sequence[Mentor], hubs_led: Mapping[str, int]
) -> list[Pairing]:
    """An experienced school leader, one to one, for each new school leader without a hub: same
    board and language, never their evaluator, within one-to-one capacity plus the hub places the
    leader does not use (a hub place left unused is time for one person)."""
    capacity = {
        m.participant_id: m.one_to_one_capacity + max(0, m.hub_capacity - hubs_led.get(m.participant_id, 0))
        for m in mentors
        if m.leads_school_leaders
    }
    pairings = []
    for teacher in sorted(waiting, key=lambda t: t.participant_id):
        if teacher.role != "new_school_leader":
            continue
        candidates = [
            m
            for m in mentors
            if m.participant_id in capacity
            and capacity[m.participant_id] > 0
            and m.board == teacher.board
            and m.language == teacher.language
            and not m.evaluates(teacher)
        ]
        if not candidates:
            continue
        mentor = min(candidates, key=lambda m: (-capacity[m.participant_id], m.participant_id))
        capacity[mentor.participant_id] -= 1
        pairings.append(_pairing(teacher, mentor))
    return pairings
