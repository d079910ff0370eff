"""Row-level security: the board boundary enforced by PostgreSQL itself (docs/security.md).

Every board-scoped table carries these policies (permissive: a row is visible when any holds):

- ``board_isolation``: ``board = current_setting('app.board')`` — a board's staff, their board only;
- ``province_staff``: ``app.scope = 'province'`` — province administrators, every board;
- ``system_scope``: ``app.scope = 'system'`` — event consumers, the import worker, scheduled jobs;
- ``provincial_rows`` (only where ``board`` may be NULL): provincial rows, readable by everyone.

A child table without a ``board`` column (an application's expense lines) is visible exactly when
its parent row is (``parent_visible``: the parent's own policies apply inside the subquery).

``app.board`` / ``app.scope`` are set once per transaction by the unit of work (shared/db.py). The
services connect as ``mentorweb_<service>_app``, a login role that owns nothing and may only read
and write rows; migrations run as the owner. Tables are FORCEd so even the owner is held to the
policies outside the system scope (migrations run in it).

Migrations call :func:`protect_board_tables` (every table with a ``board`` column not yet
protected), :func:`protect_child_table` and :func:`grant_runtime_role`; a test per service fails
when a table is neither protected nor listed in :data:`UNSCOPED_TABLES`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

BOARD_SETTING = "app.board"
SCOPE_SETTING = "app.scope"

# Tables that belong to no board: province-wide reference data (every board's staff read the
# board and theme names, the grant programmes), the bus machinery (the outbox is written in every
# scope and drained by the relay; the inbox holds event ids only) and Alembic's version.
UNSCOPED_TABLES: dict[str, frozenset[str]] = {
    "registration": frozenset({"alembic_version", "inbox", "outbox", "boards", "themes"}),
    "matching": frozenset({"alembic_version", "inbox", "outbox"}),
    "notifications": frozenset({"alembic_version", "inbox", "outbox", "boards", "themes"}),
    "grants": frozenset({"alembic_version", "inbox", "outbox", "grant_programs"}),
    "evaluation": frozenset({"alembic_version", "inbox", "outbox", "themes"}),
    "console": frozenset({"alembic_version", "console_sessions"}),
}
# Tables never protected by a board policy, whatever their columns (see UNSCOPED_TABLES).
_BUS_TABLES = frozenset({"alembic_version", "inbox", "outbox"})

_BOARD = f"current_setting('{BOARD_SETTING}', true)"
_SCOPE = f"current_setting('{SCOPE_SETTING}', true)"


def runtime_role(service: str) -> str:
    """The login role ``service`` runs as: it owns nothing and only reads and writes rows."""
    return f"mentorweb_{service}_app"


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected identifier {name!r}")
    return f'"{name}"'


def _scope_policies(table: str) -> list[str]:
    t = _quote(table)
    return [
        f"CREATE POLICY province_staff ON {t} USING ({_SCOPE} = 'province') WITH CHECK ({_SCOPE} = 'province')",
        f"CREATE POLICY system_scope ON {t} USING ({_SCOPE} = 'system') WITH CHECK ({_SCOPE} = 'system')",
    ]


def board_table_statements(table: str, *, provincial_rows: bool = False) -> list[str]:
    """SQL that holds ``table`` (with a ``board`` column) to the board policies."""
    t = _quote(table)
    statements = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY board_isolation ON {t} USING (board = {_BOARD}) WITH CHECK (board = {_BOARD})",
        *_scope_policies(table),
    ]
    if provincial_rows:
        statements.append(f"CREATE POLICY provincial_rows ON {t} FOR SELECT USING (board IS NULL)")
    return statements


def child_table_statements(table: str, *, parent: str, columns: dict[str, str]) -> list[str]:
    """SQL that makes ``table``'s rows visible exactly when their ``parent`` row is.

    ``columns`` maps the child's key columns to the parent's (``{"application_id": "id"}``).
    """
    t, p = _quote(table), _quote(parent)
    join = " AND ".join(f"p.{_quote(parent_col)} = {t}.{_quote(col)}" for col, parent_col in columns.items())
    visible = f"EXISTS (SELECT 1 FROM {p} p WHERE {join})"
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY parent_visible ON {t} USING ({visible}) WITH CHECK ({visible})",
        *_scope_policies(table),
    ]


def _execute(op: Any, statements: list[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def protect_board_tables(op: Any) -> list[str]:
    """Protect every table of the public schema that has a ``board`` column and no policy yet
    (a migration's whole job for a service whose tables all carry their board); returns them."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                """
                SELECT c.relname, NOT a.attnotnull AS nullable
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'board' AND NOT a.attisdropped
                WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
                ORDER BY c.relname
                """
            )
        )
        .all()
    )
    protected = []
    for name, nullable in rows:
        if name in _BUS_TABLES:
            continue
        _execute(op, board_table_statements(name, provincial_rows=nullable))
        protected.append(name)
    return protected


def protect_board_table(op: Any, table: str, *, provincial_rows: bool = False) -> None:
    """Protect one new table with a ``board`` column (``provincial_rows``: NULL-board rows are
    the province's, readable by every board)."""
    _execute(op, board_table_statements(table, provincial_rows=provincial_rows))


def protect_child_table(op: Any, table: str, *, parent: str, columns: dict[str, str]) -> None:
    """Protect a table without a ``board`` column through its parent (see module docstring)."""
    _execute(op, child_table_statements(table, parent=parent, columns=columns))


def grant_runtime_role(op: Any, service: str) -> None:
    """Let ``service``'s runtime role read and write rows of every table, now and (through default
    privileges) of the tables later migrations create; it can create nothing and own nothing."""
    role = _quote(runtime_role(service))
    _execute(
        op,
        [
            # The role is normally created before migrating (shared/migrations.py, the Kubernetes
            # cluster's managed roles); a bare NOLOGIN one keeps GRANT from failing otherwise.
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{runtime_role(service)}') THEN
                    CREATE ROLE {role} NOLOGIN;
                END IF;
            END $$""",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
        ],
    )


def revoke_runtime_role(op: Any, service: str) -> None:
    """Undo :func:`grant_runtime_role` (the role itself is left: other databases may use it)."""
    role = _quote(runtime_role(service))
    _execute(
        op,
        [
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON SCHEMA public FROM {role}",
        ],
    )


def unprotect_all(op: Any) -> None:
    """Drop every policy of the public schema and disable row-level security (downgrades)."""
    bind = op.get_bind()
    for table, policy in bind.execute(
        sa.text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'")
    ).all():
        op.execute(sa.text(f"DROP POLICY {_quote(policy)} ON {_quote(table)}"))
    for (table,) in bind.execute(
        sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relrowsecurity"
        )
    ).all():
        op.execute(sa.text(f"ALTER TABLE {_quote(table)} NO FORCE ROW LEVEL SECURITY"))
        op.execute(sa.text(f"ALTER TABLE {_quote(table)} DISABLE ROW LEVEL SECURITY"))
