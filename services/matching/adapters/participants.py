"""Matching's view of participants (registration's snapshots) in PostgreSQL.

Snapshots carry a revision: an older snapshot arriving late (out of order) never overwrites a
newer one, and an update arriving before the registration creates the row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.tables import ParticipantView, table_of
from shared.statements import newer_snapshot_wins

_SNAPSHOT_FIELDS = (
    "program_year",
    "revision",
    "hr_id",
    "role",
    "display_name",
    "language",
    "school",
    "grade_band",
    "subjects",
    "themes",
    "expertise_themes",
    "leads_school_leaders",
    "trained",
    "hub_capacity",
    "one_to_one_capacity",
    "evaluates_hr_ids",
    "withdrawn",
)

_UPSERT = newer_snapshot_wins(
    table_of(ParticipantView),
    key="participant_id",
    columns=("participant_id", "board", *_SNAPSHOT_FIELDS),
    updated=_SNAPSHOT_FIELDS,
    also_set="updated_at = now()",
)


class ParticipantRepository:
    """Registration's participant snapshots over one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def record(self, rows: Sequence[dict[str, object]]) -> None:
        """Upsert snapshots in one round trip (asyncpg's pipelined executemany), applied in order:
        a later snapshot of the same person still wins by revision."""
        await _UPSERT.execute(self.session, rows)
