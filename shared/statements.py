"""INSERT … ON CONFLICT statements that SQLAlchemy compiles once.

SQLAlchemy does not cache the PostgreSQL dialect's ``on_conflict_do_update``/``_do_nothing``
constructs ("[no key]" in its echo): a consumer upserting a snapshot per event compiled the same
statement thousands of times a second (a seventh of matching's CPU while draining an import). A
text statement with typed bind parameters is cached like any other; this builds one from the
table, with the columns' Python-side defaults filled in as the ORM's insert would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import ScalarElementColumnDefault


class InsertOnConflict:
    """``INSERT INTO table (columns…) VALUES (…) <on_conflict>``, executed with a row mapping."""

    def __init__(self, table: sa.Table, columns: Sequence[str], on_conflict: str):
        self._defaults = {
            column.name: column.default.arg
            for column in table.c
            if column.name not in columns and isinstance(column.default, ScalarElementColumnDefault)
        }
        names = [*columns, *self._defaults]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join(f':{name}' for name in names)}) {on_conflict}"
        )
        self.statement = sa.text(sql).bindparams(
            *(sa.bindparam(name, type_=table.c[name].type) for name in names)
        )

    def params(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {**self._defaults, **row}

    async def execute(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> Result[Any]:
        """One row: a plain execution (its RETURNING can be read). Several: asyncpg's pipelined
        executemany, one round trip, applied in order."""
        params = [self.params(row) for row in rows]
        return await session.execute(self.statement, params if len(params) > 1 else params[0])


def newer_snapshot_wins(
    table: sa.Table, *, key: str, columns: Sequence[str], updated: Sequence[str], also_set: str = ""
) -> InsertOnConflict:
    """The upsert of a snapshot keyed by ``key``: a row whose ``revision`` is older than the one
    stored changes nothing, so a snapshot arriving late never overwrites a newer one."""
    assignments = [f"{name} = excluded.{name}" for name in updated]
    if also_set:
        assignments.append(also_set)
    return InsertOnConflict(
        table,
        columns,
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(assignments)} "
        f"WHERE {table.name}.revision < excluded.revision",
    )
