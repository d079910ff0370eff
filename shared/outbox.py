"""Transactional outbox: events are rows written with the state change, published later by the relay.

States follow eShop's integration-event log: ``pending`` until the broker confirmed the
publish, then ``published``; ``attempts`` and ``last_error`` show trouble.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Column, Field, SQLModel

from shared.events.catalog import encode
from shared.events.envelope import IntegrationEvent

OUTBOX_CHANNEL = "mentorweb_outbox"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    event_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), nullable=False, unique=True))
    event_type: str = Field(sa_column=Column(sa.String(100), nullable=False))
    routing_key: str = Field(sa_column=Column(sa.String(200), nullable=False))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    body: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(postgresql.JSONB, nullable=False))
    state: str = Field(default="pending", sa_column=Column(sa.String(20), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(sa.Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(sa.Text))
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    published_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))


def outbox_row(event: IntegrationEvent, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_type": event.type,
        "routing_key": event.routing_key(),
        "board": event.board,
        "body": encode(event),
        "headers": headers,
        "state": "pending",
    }


def create_outbox_and_inbox(op: Any) -> None:
    """Alembic helper: every service's first migration creates its outbox and inbox the same way."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("headers", postgresql.JSONB, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    # The relay only ever scans pending rows: a partial index keeps that cheap as history grows.
    op.create_index("ix_outbox_pending", "outbox", ["id"], postgresql_where=sa.text("state = 'pending'"))
    # Wake the relay when rows land, once per statement, delivered at commit: no extra round trip.
    op.execute(
        "CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{OUTBOX_CHANNEL}', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()"
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
