"""Registration's record of where each participant is placed (hubs, one-to-one pairings), kept from
matching's events, and the participant status it implies. The only SQL of placement."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_KEEP_HUB = sa.text(
    "DELETE FROM placements WHERE kind = 'hub' AND ref = :hub AND board = :board "
    "AND NOT (participant_id = ANY(CAST(:people AS uuid[])))"
)
_ADD = sa.text(
    "INSERT INTO placements (participant_id, kind, ref, board) "
    "SELECT p, :kind, :ref, :board FROM unnest(CAST(:people AS uuid[])) AS p "
    "ON CONFLICT DO NOTHING"
)
_DROP_PAIRINGS_OF_TEACHER = sa.text(
    "DELETE FROM placements WHERE board = :board AND ("
    "(participant_id = :teacher AND kind = 'mentor') OR (kind = 'mentee' AND ref = :teacher))"
)
_DROP_PAIRING = sa.text(
    "DELETE FROM placements WHERE board = :board AND ("
    "(participant_id = :teacher AND kind = 'mentor' AND ref = :mentor) OR "
    "(participant_id = :mentor AND kind = 'mentee' AND ref = :teacher))"
)
# Placed when in a hub or a pairing, registered otherwise; a withdrawal is never undone here.
_STATUS = sa.text(
    "UPDATE participants p SET status = CASE WHEN EXISTS "
    "(SELECT 1 FROM placements pl WHERE pl.participant_id = p.id) THEN 'placed' ELSE 'registered' END, "
    "updated_at = now() "
    "WHERE p.board = :board AND p.id = ANY(CAST(:people AS uuid[])) AND p.status <> 'withdrawn' "
    "AND p.status <> CASE WHEN EXISTS "
    "(SELECT 1 FROM placements pl WHERE pl.participant_id = p.id) THEN 'placed' ELSE 'registered' END"
)


def _ids(people: Iterable[uuid.UUID]) -> list[str]:
    return sorted({str(p) for p in people})


class PlacementRepository:
    """Hub memberships and pairings, and the placed status they give."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def set_hub_members(self, *, board: str, hub_id: uuid.UUID, people: list[uuid.UUID]) -> None:
        """The hub's members and leaders are exactly ``people`` (everyone else leaves it)."""
        await self.session.execute(_KEEP_HUB, {"hub": hub_id, "board": board, "people": _ids(people)})
        if people:
            await self.session.execute(
                _ADD, {"kind": "hub", "ref": hub_id, "board": board, "people": _ids(people)}
            )

    async def set_pairing(self, *, board: str, teacher_id: uuid.UUID, mentor_id: uuid.UUID) -> None:
        """The teacher's one-to-one mentor is ``mentor_id`` (a re-pairing replaces the previous one)."""
        await self.session.execute(_DROP_PAIRINGS_OF_TEACHER, {"board": board, "teacher": teacher_id})
        await self.session.execute(
            _ADD, {"kind": "mentor", "ref": mentor_id, "board": board, "people": [str(teacher_id)]}
        )
        await self.session.execute(
            _ADD, {"kind": "mentee", "ref": teacher_id, "board": board, "people": [str(mentor_id)]}
        )

    async def end_pairing(self, *, board: str, teacher_id: uuid.UUID, mentor_id: uuid.UUID) -> None:
        """The pairing of ``teacher_id`` with ``mentor_id`` ended (a newer pairing of the teacher stays)."""
        await self.session.execute(
            _DROP_PAIRING, {"board": board, "teacher": teacher_id, "mentor": mentor_id}
        )

    async def refresh_status(self, *, board: str, people: Iterable[uuid.UUID]) -> None:
        """Set each (non-withdrawn) person's status from their placements."""
        ids = _ids(people)
        if ids:
            await self.session.execute(_STATUS, {"board": board, "people": ids})

    async def mentor_of(self, *, board: str, teacher_id: uuid.UUID) -> list[uuid.UUID]:
        """The teacher's current one-to-one mentor(s) (at most one in practice)."""
        rows = await self.session.execute(
            sa.text(
                "SELECT ref FROM placements WHERE board = :board AND participant_id = :t AND kind = 'mentor'"
            ),
            {"board": board, "t": teacher_id},
        )
        return list(rows.scalars())
