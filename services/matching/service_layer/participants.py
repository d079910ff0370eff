"""Matching's view of participants, kept from registration's events.

Snapshots carry a revision: an older snapshot arriving late (out of order) never overwrites a
newer one, and an update arriving before the registration creates the row.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.matching.adapters.unit_of_work import repositories
from shared.db import UnitOfWork
from shared.events.registration import ParticipantEvent, ParticipantProfile, ParticipantWithdrawn


def _row(board: str, profile: ParticipantProfile, withdrawn: bool) -> dict[str, object]:
    return {
        "participant_id": profile.participant_id,
        "board": board,
        "program_year": profile.program_year,
        "revision": profile.revision,
        "hr_id": profile.hr_id,
        "role": profile.role,
        "display_name": f"{profile.given_name} {profile.family_name}",
        "language": profile.language,
        "school": profile.school,
        "grade_band": profile.grade_band,
        "subjects": profile.subjects,
        "themes": profile.themes,
        "expertise_themes": profile.expertise_themes,
        "leads_school_leaders": profile.leads_school_leaders,
        "trained": profile.trained,
        "hub_capacity": profile.hub_capacity,
        "one_to_one_capacity": profile.one_to_one_capacity,
        "evaluates_hr_ids": profile.evaluates_hr_ids,
        "withdrawn": withdrawn or profile.status == "withdrawn",
    }


async def record_participant(uow: UnitOfWork, event: ParticipantEvent) -> None:
    """Upsert the participant snapshot; a newer revision wins, whatever order events arrive in."""
    await record_participants(uow, [event])


async def record_participants(uow: UnitOfWork, events: Sequence[ParticipantEvent]) -> None:
    """:func:`record_participant` for several events in one round trip (asyncpg's pipelined
    executemany), applied in order: a later snapshot of the same person still wins by revision."""
    await repositories(uow).people.record(
        [_row(e.board, e.participant, isinstance(e, ParticipantWithdrawn)) for e in events]
    )
