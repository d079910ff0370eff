"""The upsert of registration's participant snapshots into matching's view (``participants``).

Snapshots carry a revision: an older snapshot arriving late (out of order) never overwrites a
newer one, and an update arriving before the registration creates the row.
"""

from __future__ import annotations

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

SNAPSHOT_UPSERT = newer_snapshot_wins(
    table_of(ParticipantView),
    key="participant_id",
    columns=("participant_id", "board", *_SNAPSHOT_FIELDS),
    updated=_SNAPSHOT_FIELDS,
    also_set="updated_at = now()",
)
