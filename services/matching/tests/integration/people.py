"""Registration's events for synthetic boards: the participants matching learns about."""

from __future__ import annotations

import uuid
from dataclasses import replace

from services.matching.domain.placement_model import Mentor, Teacher
from shared.events.registration import MentorRegistered, ParticipantProfile, TeacherRegistered
from tools.synthetic_boards import board as synthetic_board

YEAR = "2026-2027"
NAMESPACE = uuid.UUID("0b9e7a52-0d57-4c43-9a4b-3f0f3a7c2d11")


def pid(synthetic_id: str) -> uuid.UUID:
    """A stable UUID for a synthetic participant id (registration's ids are UUIDs)."""
    return uuid.uuid5(NAMESPACE, synthetic_id)


def teacher_event(teacher: Teacher, board: str, *, year: str = YEAR) -> TeacherRegistered:
    profile = ParticipantProfile(
        participant_id=pid(f"{board}/{teacher.participant_id}"),
        program_year=year,
        hr_id=teacher.hr_id,
        role=teacher.role,  # type: ignore[arg-type]
        given_name="Zoé",
        family_name=f"Teacher-{teacher.participant_id}",
        email=f"{teacher.participant_id.lower()}@{board.lower()}.example.org",
        language=teacher.language,  # type: ignore[arg-type]
        school=teacher.school,
        grade_band=teacher.grade_band,  # type: ignore[arg-type]
        subjects=list(teacher.subjects),
        themes=list(teacher.themes),
    )
    return TeacherRegistered(board=board, participant=profile)


def mentor_event(mentor: Mentor, board: str, *, year: str = YEAR) -> MentorRegistered:
    profile = ParticipantProfile(
        participant_id=pid(f"{board}/{mentor.participant_id}"),
        program_year=year,
        hr_id=mentor.hr_id,
        role="mentor",
        given_name="Étienne",
        family_name=f"Mentor-{mentor.participant_id}",
        email=f"{mentor.participant_id.lower()}@{board.lower()}.example.org",
        language=mentor.language,  # type: ignore[arg-type]
        school=mentor.school,
        grade_band=mentor.grade_band,  # type: ignore[arg-type]
        subjects=list(mentor.subjects),
        expertise_themes=list(mentor.expertise_themes),
        leads_school_leaders=mentor.leads_school_leaders,
        trained=mentor.trained,
        hub_capacity=mentor.hub_capacity,
        one_to_one_capacity=mentor.one_to_one_capacity,
        evaluates_hr_ids=sorted(mentor.evaluates_hr_ids),
    )
    return MentorRegistered(board=board, participant=profile)


def synthetic(code: str, teachers: int, mentors: int, **kw: object) -> tuple[list[Teacher], list[Mentor]]:
    """A seeded synthetic board (the same people whatever the test board's random code is)."""
    t, m = synthetic_board("ELM", teachers, mentors, **kw)  # type: ignore[arg-type]
    return [replace(x, board=code) for x in t], [replace(x, board=code) for x in m]


def as_registered(people: list[Teacher] | list[Mentor], board: str) -> list:  # type: ignore[type-arg]
    """The domain's view of registered participants: ids are registration's UUIDs."""
    return [replace(p, participant_id=str(pid(f"{board}/{p.participant_id}"))) for p in people]
