"""Set-based SQL for imports: one statement per chunk upserts participants (or withdraws, or upserts
schools), comparing in PostgreSQL so unchanged rows are neither written nor announced."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.domain.participants import TRACKED_FIELDS

# Participant columns an import writes, with their PostgreSQL types for jsonb_to_recordset.
COLUMN_TYPES: dict[str, str] = {
    "role": "text",
    "given_name": "text",
    "family_name": "text",
    "email": "text",
    "language": "text",
    "school": "text",
    "grade_band": "text",
    "subjects": "text[]",
    "themes": "text[]",
    "learning_goals": "text",
    "expertise_themes": "text[]",
    "leads_school_leaders": "boolean",
    "trained": "boolean",
    "hub_capacity": "integer",
    "one_to_one_capacity": "integer",
    "evaluates_hr_ids": "text[]",
}
_COLUMNS = ", ".join(COLUMN_TYPES)
# What an event's participant snapshot needs from a changed row (read as columns: asyncpg decodes
# those natively, much faster than JSON).
AFTER_COLUMNS = ("id", "revision", "program_year", "hr_id", *COLUMN_TYPES, "status")
_RECORD = ", ".join(f"{name} {kind}" for name, kind in COLUMN_TYPES.items())
_TRACKED = ", ".join(TRACKED_FIELDS)

# `before` reads the statement's snapshot, i.e. the rows as they were before `upserted` changed them;
# the update happens only when the role matches (a role change is refused, not applied) and some
# tracked column differs — checked again under ON CONFLICT for a row another transaction changed
# meanwhile. xmax = 0 tells an inserted row from an updated one.
UPSERT_PARTICIPANTS = sa.text(
    f"""
    WITH input AS (
        SELECT * FROM jsonb_to_recordset(CAST(CAST(:rows AS text) AS jsonb))
            AS r(program_year text, hr_id text, {_RECORD})
    ),
    before AS (
        -- One unique-index probe per input row, whatever the size of the board (LIMIT 1 keeps the
        -- planner from flattening the LATERAL into a hash join over all of the board's rows).
        SELECT p.* FROM input i CROSS JOIN LATERAL (
            SELECT * FROM participants
            WHERE board = :board AND program_year = i.program_year AND hr_id = i.hr_id
            LIMIT 1
        ) p
    ),
    changes AS (
        -- New people, and people whose tracked fields differ. Rows already up to date never reach
        -- the INSERT, so they are not even locked (ON CONFLICT would lock each one it inspects).
        SELECT i.* FROM input i
        LEFT JOIN before b ON b.program_year = i.program_year AND b.hr_id = i.hr_id
        WHERE b.id IS NULL
           OR (b.role = i.role
               AND ({", ".join(f"b.{f}" for f in TRACKED_FIELDS)})
                   IS DISTINCT FROM ({", ".join(f"i.{f}" for f in TRACKED_FIELDS)}))
    ),
    upserted AS (
        INSERT INTO participants AS p
            (id, board, program_year, hr_id, {_COLUMNS}, status, revision, created_at, updated_at)
        SELECT gen_random_uuid(), :board, program_year, hr_id, {_COLUMNS}, 'registered', 1, now(), now()
        FROM changes
        ORDER BY program_year, hr_id  -- rows locked in key order: concurrent imports cannot deadlock
        ON CONFLICT ON CONSTRAINT uq_participant_hr_id DO UPDATE SET
            {", ".join(f"{f} = EXCLUDED.{f}" for f in TRACKED_FIELDS)},
            revision = p.revision + 1,
            updated_at = now()
        WHERE p.role = EXCLUDED.role
          AND ({", ".join(f"p.{f}" for f in TRACKED_FIELDS)})
              IS DISTINCT FROM ({", ".join(f"EXCLUDED.{f}" for f in TRACKED_FIELDS)})
        RETURNING p.*, (p.xmax = 0) AS inserted
    )
    -- Only rows that changed (or were refused) come back: a re-import of an unchanged file
    -- returns nothing. `changed` names the tracked fields an update changed.
    SELECT i.program_year, i.hr_id, i.role AS wanted_role, b.role AS before_role,
           u.inserted, {", ".join(f"u.{c} AS after_{c}" for c in AFTER_COLUMNS)},
           CASE WHEN u.id IS NULL OR u.inserted THEN NULL ELSE array_remove(ARRAY[
               {", ".join(f"CASE WHEN b.{f} IS DISTINCT FROM u.{f} THEN '{f}' END" for f in TRACKED_FIELDS)}
           ], NULL) END AS changed
    FROM input i
    LEFT JOIN before b ON b.program_year = i.program_year AND b.hr_id = i.hr_id
    LEFT JOIN upserted u ON u.program_year = i.program_year AND u.hr_id = i.hr_id
    WHERE u.id IS NOT NULL OR b.role <> i.role
    """
)

WITHDRAW_PARTICIPANTS = sa.text(
    """
    UPDATE participants p
    SET status = 'withdrawn', revision = p.revision + 1, updated_at = now()
    FROM jsonb_to_recordset(CAST(CAST(:keys AS text) AS jsonb)) AS k(program_year text, hr_id text)
    WHERE p.board = :board AND p.program_year = k.program_year AND p.hr_id = k.hr_id
      AND p.status <> 'withdrawn'
    RETURNING to_jsonb(p) AS after
    """
)

UPSERT_SCHOOLS = sa.text(
    """
    INSERT INTO schools AS s (id, board, code, name)
    SELECT gen_random_uuid(), :board, code, name
    FROM jsonb_to_recordset(CAST(CAST(:rows AS text) AS jsonb)) AS r(code text, name text)
    ON CONFLICT (board, code) DO UPDATE SET name = EXCLUDED.name
    WHERE s.name IS DISTINCT FROM EXCLUDED.name
    RETURNING s.id
    """
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class UpsertResult:
    """An input row that was inserted, updated (``changed`` fields) or refused (a role change).

    Rows that were already up to date are not reported at all.
    """

    program_year: str
    hr_id: str
    wanted_role: str
    before_role: str | None
    after: dict[str, Any] | None
    changed: list[str] | None

    @property
    def inserted(self) -> bool:
        return bool(self.after and self.after.get("inserted"))


async def upsert_participants(
    session: AsyncSession, board: str, rows: Sequence[Mapping[str, Any]]
) -> list[UpsertResult]:
    if not rows:
        return []
    payload = [
        {
            "program_year": r["program_year"],
            "hr_id": r["hr_id"],
            **{c: r.get(c) for c in COLUMN_TYPES},
        }
        for r in rows
    ]
    result = await session.execute(UPSERT_PARTICIPANTS, {"rows": json.dumps(payload), "board": board})
    results = []
    for r in result.mappings():
        after = {c: r[f"after_{c}"] for c in AFTER_COLUMNS} if r["after_id"] is not None else None
        if after is not None:
            after["inserted"] = r["inserted"]
        results.append(
            UpsertResult(
                r["program_year"], r["hr_id"], r["wanted_role"], r["before_role"], after, r["changed"]
            )
        )
    return results


async def withdraw_participants(
    session: AsyncSession, board: str, keys: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    if not keys:
        return []
    payload = [{"program_year": k["program_year"], "hr_id": k["hr_id"]} for k in keys]
    result = await session.execute(WITHDRAW_PARTICIPANTS, {"keys": json.dumps(payload), "board": board})
    return [_json(r.after) for r in result]


async def upsert_schools(session: AsyncSession, board: str, schools: Sequence[Mapping[str, str]]) -> int:
    """Insert new schools and rename changed ones; returns how many rows changed."""
    if not schools:
        return 0
    result = await session.execute(UPSERT_SCHOOLS, {"rows": json.dumps(list(schools)), "board": board})
    return len(result.all())
