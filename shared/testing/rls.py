"""Row-level security, checked against a service's real schema (shared/rls.py, docs/security.md).

``RlsProbe`` migrates a fresh database for one service, writes one row of board A and one of board
B into every protected table (values made up from the column types, as the owner with foreign keys
and CHECK constraints out of the way: the rows only need a board), then reads through the
service's ``UnitOfWork`` as its runtime role, with no board filter in any query. Because it walks
the catalogue, a table another change adds is probed too, and one left unprotected fails
``unprotected_tables``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlalchemy as sa

from shared.auth import Principal
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.rls import UNSCOPED_TABLES, runtime_role
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import runtime_url
from shared.wakeup import asyncpg_dsn

_TABLES = """
SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'board'
               AND NOT a.attisdropped) AS has_board,
       ARRAY(SELECT polname::text FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1) AS policies
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""
_COLUMNS = """
SELECT a.attname, a.atttypmod, t.typname, t.typcategory::text, t.typtype::text, bt.typname AS base,
       bt.typcategory::text AS base_category, format_type(a.atttypid, a.atttypmod) AS type,
       a.atthasdef, a.attidentity::text, a.attgenerated::text, a.atttypid
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
# A child table's key into its (board-scoped) parent: its first foreign key to a protected table.
_PARENT_KEY = """
SELECT confrelid::regclass::text AS parent,
       ARRAY(SELECT attname::text FROM unnest(conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute ON attrelid = conrelid AND attnum = k.n ORDER BY k.i) AS columns,
       ARRAY(SELECT attname::text FROM unnest(confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute ON attrelid = confrelid AND attnum = k.n ORDER BY k.i) AS parent_columns
FROM pg_constraint WHERE conrelid = $1 AND contype = 'f' AND confrelid = ANY($2::oid[])
ORDER BY conname LIMIT 1
"""

_OWNED = """
WITH r AS (SELECT oid AS role_oid, * FROM pg_roles WHERE rolname = $1)
SELECT 'relation ' || relname FROM pg_class, r WHERE relowner = r.role_oid
UNION ALL SELECT 'schema ' || nspname FROM pg_namespace, r WHERE nspowner = r.role_oid
UNION ALL SELECT 'function ' || proname FROM pg_proc, r WHERE proowner = r.role_oid
UNION ALL SELECT 'type ' || typname FROM pg_type, r WHERE typowner = r.role_oid
UNION ALL SELECT 'database ' || datname FROM pg_database, r WHERE datdba = r.role_oid
UNION ALL SELECT 'superuser, bypassrls, createrole or createdb' FROM r
    WHERE rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb
UNION ALL SELECT 'may create in schema public' FROM r WHERE has_schema_privilege(r.role_oid, 'public', 'CREATE')
"""


@dataclass
class RlsProbe:
    service: str
    owner_url: str
    board_a: str = field(default_factory=lambda: f"RA{secrets.token_hex(3).upper()}")
    board_b: str = field(default_factory=lambda: f"RB{secrets.token_hex(3).upper()}")
    # Protected table -> (board A's row count, board B's row count) written by ``seed``.
    seeded: dict[str, tuple[int, int]] = field(default_factory=dict)
    board_tables: list[str] = field(default_factory=list)

    @classmethod
    async def create(cls, infra: Infrastructure, run_prefix: str, service: str) -> RlsProbe:
        probe = cls(service, infra.database_url(f"{run_prefix}_{service}_rls"))
        await upgrade(service, probe.owner_url)
        return probe

    async def drop(self) -> None:
        await drop_database(self.owner_url)

    async def _owner(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(self.owner_url))

    async def tables(self) -> list[asyncpg.Record]:
        conn = await self._owner()
        try:
            return list(await conn.fetch(_TABLES))
        finally:
            await conn.close()

    async def unprotected_tables(self) -> list[str]:
        """Tables neither held to the policies (enabled, forced, scope policies) nor listed as
        holding no board's data."""
        unscoped = UNSCOPED_TABLES[self.service]
        wrong = []
        for row in await self.tables():
            if row["relname"] in unscoped:
                continue
            needed = {"province_staff", "system_scope"} | (
                {"board_isolation"} if row["has_board"] else {"parent_visible"}
            )
            if not (row["relrowsecurity"] and row["relforcerowsecurity"] and needed <= set(row["policies"])):
                wrong.append(row["relname"])
        return wrong

    async def owned_by_runtime_role(self) -> list[str]:
        """Everything in the database the runtime role owns (must be nothing), and any power it has
        beyond reading and writing rows."""
        conn = await self._owner()
        try:
            role = runtime_role(self.service)
            found = await conn.fetch(_OWNED, role)
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            return [row[0] for row in found] + ([] if exists else [f"role {role} missing"])
        finally:
            await conn.close()

    async def seed(self) -> None:
        """One row of board A and one of board B in every protected table (children under their
        parent of the same board)."""
        conn = await self._owner()
        try:
            async with conn.transaction():
                # The made-up rows need only their board: no foreign key, trigger or CHECK in the way.
                await conn.execute("SET LOCAL session_replication_role = replica")
                tables = [r for r in await conn.fetch(_TABLES) if r["relrowsecurity"]]
                for row in tables:
                    for (name,) in await conn.fetch(
                        "SELECT conname FROM pg_constraint WHERE conrelid = $1 AND contype = 'c'", row["oid"]
                    ):
                        await conn.execute(f'ALTER TABLE "{row["relname"]}" DROP CONSTRAINT "{name}"')
                keys: dict[str, dict[str, dict[str, Any]]] = {}
                for row in (r for r in tables if r["has_board"]):
                    self.board_tables.append(row["relname"])
                    keys[row["relname"]] = {}
                    for board in (self.board_a, self.board_b):
                        keys[row["relname"]][board] = await self._insert(conn, row, {"board": board})
                    self.seeded[row["relname"]] = (1, 1)
                protected = [r["oid"] for r in tables if r["has_board"]]
                for row in (r for r in tables if not r["has_board"]):
                    parent = await conn.fetchrow(_PARENT_KEY, row["oid"], protected)
                    if parent is None:
                        raise AssertionError(f"{row['relname']}: protected, no board column and no parent")
                    for board in (self.board_a, self.board_b):
                        parent_row = keys[parent["parent"]][board]
                        fixed = {
                            col: parent_row[parent_col]
                            for col, parent_col in zip(
                                parent["columns"], parent["parent_columns"], strict=True
                            )
                        }
                        await self._insert(conn, row, fixed)
                    self.seeded[row["relname"]] = (1, 1)
        finally:
            await conn.close()

    async def _insert(
        self, conn: asyncpg.Connection, table: asyncpg.Record, fixed: dict[str, Any]
    ) -> dict[str, Any]:
        names, values, args = [], [], []
        for col in await conn.fetch(_COLUMNS, table["oid"]):
            name = col["attname"]
            if col["attgenerated"] or col["attidentity"]:
                continue
            if name in fixed:
                args.append(fixed[name])
                names.append(f'"{name}"')
                values.append(f"${len(args)}::{col['type']}")
                continue
            if col["atthasdef"]:
                continue
            names.append(f'"{name}"')
            values.append(_made_up(col))
        statement = (
            f'INSERT INTO "{table["relname"]}" ({", ".join(names)}) VALUES ({", ".join(values)}) RETURNING *'
        )
        try:
            row = await conn.fetchrow(statement, *args)
        except asyncpg.PostgresError as exc:
            raise AssertionError(f"seeding {table['relname']}: {exc}\n{statement}") from exc
        assert row is not None
        return dict(row)

    async def read_as(self, *, board: str | None = None, scope: Any = None) -> dict[str, list[str | None]]:
        """Every protected table read whole (no WHERE at all) through the service's unit of work as
        its runtime role; each row reported by its board (a child row by its parent's)."""
        engine = make_engine(runtime_url(self.owner_url, self.service), pool_size=1)
        try:
            seen: dict[str, list[str | None]] = {}
            async with UnitOfWork(make_session_factory(engine), board=board, scope=scope) as uow:
                assert (await uow.session.execute(sa.text("SELECT current_user"))).scalar() == runtime_role(
                    self.service
                )
                for table in self.seeded:
                    if table in self.board_tables:
                        query = f'SELECT board FROM "{table}"'  # the repository's filter, removed
                    else:
                        query = f'SELECT NULL FROM "{table}"'
                    seen[table] = [r[0] for r in (await uow.session.execute(sa.text(query))).all()]
            return seen
        finally:
            await engine.dispose()

    async def write_other_board_as(self, board: str, table: str, other: str) -> str | None:
        """Try to move ``board``'s row of ``table`` into ``other`` through the unit of work; the
        database's refusal, or None when it let it through."""
        engine = make_engine(runtime_url(self.owner_url, self.service), pool_size=1)
        try:
            async with UnitOfWork(make_session_factory(engine), board=board) as uow:
                try:
                    await uow.session.execute(
                        sa.text(f'UPDATE "{table}" SET board = :other'), {"other": other}
                    )
                    await uow.commit()
                except sa.exc.DBAPIError as exc:
                    return str(exc.orig)
            return None
        finally:
            await engine.dispose()


def coordinator(board: str) -> Principal:
    return Principal(subject="test-coordinator", roles=frozenset({"board_coordinator"}), board=board)


def province_admin() -> Principal:
    return Principal(subject="test-admin", roles=frozenset({"province_admin"}))


def _made_up(col: asyncpg.Record) -> str:
    """An SQL expression of the column's type: only its board matters to the probe."""
    category = col["base_category"] or col["typcategory"]
    typname = col["base"] or col["typname"]
    cast = col["type"]
    if category == "S":
        length = col["atttypmod"] - 4 if col["atttypmod"] > 4 else 12
        return f"left(md5(random()::text), {min(length, 12)})::{cast}"
    if category == "N" and typname in ("int2", "int4", "int8"):
        return f"(1 + floor(random() * 30000))::{cast}"  # unique enough for two rows
    if category == "N":
        return f"1::{cast}"
    if category == "B":
        return f"false::{cast}"
    if category == "D":
        return (
            f"now()::{cast}" if typname.startswith("timestamp") or typname == "date" else f"'09:00'::{cast}"
        )
    if category == "T":
        return f"'1 day'::{cast}"
    if category == "A":
        return f"'{{}}'::{cast}"
    if category == "E":
        return (
            f"(SELECT enumlabel FROM pg_enum WHERE enumtypid = {col['atttypid']} "
            f"ORDER BY enumsortorder LIMIT 1)::{cast}"
        )
    if typname == "uuid":
        return f"gen_random_uuid()::{cast}"
    if typname in ("json", "jsonb"):
        return f"'{{}}'::{cast}"
    if typname == "bytea":
        return f"decode(md5(random()::text), 'hex')::{cast}"
    if category == "I":
        return f"'127.0.0.1'::{cast}"
    raise AssertionError(f"no made-up value for column {col['attname']} of type {cast}: teach _made_up")


async def assert_coordinator_reads_only_own_board(probe: RlsProbe) -> None:
    """Both boards' rows are there (the owner sees them); board A's coordinator, through the unit
    of work and with no board filter in the query, sees exactly A's row of every table."""
    conn = await probe._owner()
    try:
        for table in probe.board_tables:
            boards = {r[0] for r in await conn.fetch(f'SELECT board FROM "{table}"')}
            assert {probe.board_a, probe.board_b} <= boards, f"{table}: not seeded ({boards})"
    finally:
        await conn.close()
    board, scope = coordinator(probe.board_a).database_scope
    seen = await probe.read_as(board=board, scope=scope)
    assert seen.keys() == probe.seeded.keys()
    leaks = {t: rows for t, rows in seen.items() if t in probe.board_tables and set(rows) != {probe.board_a}}
    assert not leaks, f"rows of another board (or none of A's) visible to A's coordinator: {leaks}"
    children = {t: len(rows) for t, rows in seen.items() if t not in probe.board_tables}
    assert all(count == 1 for count in children.values()), children


async def assert_scopes(probe: RlsProbe) -> None:
    """Province staff and the system scope see both boards; a unit of work with no scope, none."""
    board, scope = province_admin().database_scope
    for seen in (await probe.read_as(board=board, scope=scope), await probe.read_as(scope="system")):
        assert {t: len(rows) for t, rows in seen.items()} == {t: 2 for t in probe.seeded}
        for table in probe.board_tables:
            assert set(seen[table]) == {probe.board_a, probe.board_b}, table
    nothing = await probe.read_as()
    assert {t: rows for t, rows in nothing.items() if rows} == {}


async def assert_no_write_into_other_board(probe: RlsProbe) -> None:
    """Board A's unit of work cannot move its row into board B (the policies' WITH CHECK)."""
    assert probe.board_tables
    for table in probe.board_tables:
        refusal = await probe.write_other_board_as(probe.board_a, table, probe.board_b)
        assert refusal is not None and "row-level security" in refusal, f"{table}: {refusal}"
