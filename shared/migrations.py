"""Alembic, one migration history per service, each in its own database.

``upgrade(service, database_url)`` creates the database and the service's runtime role when missing, then runs
``alembic upgrade head`` under an advisory lock so replicas starting together migrate once.
Migrations run as the owner; the service itself logs in as its runtime role (``runtime_database_url``),
which owns nothing and is held to the row-level security policies (shared/rls.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.rls import SCOPE_SETTING, runtime_role
from shared.wakeup import asyncpg_dsn

# The services by name (databases, queues, runtime roles); tools/services.py maps a name to its code.
SERVICES = ("registration", "matching", "notifications", "grants", "evaluation")
# Web front ends: a database of their own (sessions only), no events, no queue.
FRONTENDS = ("console",)
_MIGRATION_LOCK = 727_001


def alembic_config(service: str) -> Config:
    # Each service keeps its migration scripts in its own folder (a path by convention, not an import).
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).parent.parent / "services" / service / "migrations")
    )
    cfg.set_main_option("version_table", "alembic_version")
    return cfg


async def ensure_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(asyncpg_dsn(admin), timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{url.database}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


async def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(asyncpg_dsn(admin), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


def runtime_database_url(owner_url: str, service: str, password: str | None = None) -> str:
    """``owner_url`` with the service's runtime role as the user (and ``password``, if given)."""
    url = make_url(owner_url).set(username=runtime_role(service), password=password)
    return url.render_as_string(hide_password=False)


async def ensure_runtime_role(database_url: str, service: str, password: str | None = None) -> None:
    """Create ``service``'s runtime login role when missing and the migrating role may create roles
    (local set-up, tests); in Kubernetes the cluster creates it (deploy/k8s/infrastructure/postgres).
    It is never a superuser, never bypasses row-level security and cannot create anything."""
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    role = runtime_role(service)
    conn = await asyncpg.connect(asyncpg_dsn(admin), timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            return
        if not await conn.fetchval(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ):
            return  # grant_runtime_role creates a NOLOGIN placeholder; the operator adds the login
        secret = f" PASSWORD {_literal(password)}" if password else ""
        try:
            await conn.execute(
                f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
                f" NOREPLICATION{secret}"
            )
        except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            pass  # created by a migration running beside this one
    finally:
        await conn.close()


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _upgrade(connection: Connection, cfg: Config) -> None:
    connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    # Data migrations see every board: an owner that is not a superuser is held to the FORCEd
    # policies too (shared/rls.py).
    connection.execute(sa.text(f"SELECT set_config('{SCOPE_SETTING}', 'system', true)"))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(service: str, database_url: str, *, runtime_password: str | None = None) -> None:
    """Migrate ``service``'s database at ``database_url`` (as its owner) to head; the operator tool
    (``mentorweb migrate``, tools/services.py) finds the URL in the service's settings."""
    await ensure_database(database_url)
    await ensure_runtime_role(
        database_url, service, runtime_password or os.environ.get("RUNTIME_DATABASE_PASSWORD") or None
    )
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, alembic_config(service))
    finally:
        await engine.dispose()


def run_env() -> None:
    """Body of every service's ``migrations/env.py``: migrate on the connection ``upgrade`` passes."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `mentorweb migrate <service>`")
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()
