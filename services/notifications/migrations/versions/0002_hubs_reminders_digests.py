"""Board contacts, messages awaiting a contact, hubs, meetings and sessions, enrolments, reminders,
grant submissions; contact status and digest links on the delivery log.

Revision ID: 0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB


def _now() -> sa.Column[Any]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.add_column("contacts", sa.Column("status", sa.String(20), nullable=False, server_default="registered"))
    op.add_column("notifications", sa.Column("digest_id", UUID))
    # The digest worker looks for held messages; the delivery log is read newest first per board.
    op.create_index(
        "ix_notifications_held",
        "notifications",
        ["recipient_email", "created_at"],
        postgresql_where=sa.text("state = 'held'"),
    )
    op.create_index("ix_notifications_board_created", "notifications", ["board", "created_at"])
    op.create_index("ix_notifications_recipient", "notifications", ["recipient_id", "created_at"])

    op.create_table(
        "board_contacts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("role", sa.String(30), nullable=False),
        _now(),
        sa.UniqueConstraint("board", "email", name="uq_board_contact"),
        sa.CheckConstraint("role IN ('coordinator', 'steering_committee')", name="ck_board_contact_role"),
        sa.CheckConstraint("language IN ('en', 'fr')", name="ck_board_contact_language"),
    )
    op.create_table(
        "awaiting_messages",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("event_id", UUID, nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("target", sa.String(400), nullable=False),
        sa.Column("waiting_for", sa.String(120), nullable=False, index=True),
        sa.Column("body", JSONB, nullable=False),
        _now(),
        sa.UniqueConstraint("event_id", "target", name="uq_awaiting_once"),
    )
    op.create_table(
        "hubs",
        sa.Column("hub_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("members", JSONB, nullable=False),
        sa.Column("leaders", JSONB, nullable=False),
        sa.Column("meeting_dates", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scheduled_items",
        sa.Column("item_id", UUID, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("hub_id", UUID),
        sa.Column("title", sa.String),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String),
        sa.Column("online_url", sa.String),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("attendees", JSONB, nullable=False, server_default="[]"),
    )
    op.create_table(
        "enrolments",
        sa.Column("session_id", UUID, primary_key=True),
        sa.Column("participant_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reminders",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String),
    )
    op.create_index(
        "ix_reminders_due", "reminders", ["due_at"], postgresql_where=sa.text("state = 'pending'")
    )
    op.create_table(
        "grant_submissions",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("application_id", UUID, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "grant_submissions",
        "reminders",
        "enrolments",
        "scheduled_items",
        "hubs",
        "awaiting_messages",
        "board_contacts",
    ):
        op.drop_table(table)
    for index in ("ix_notifications_recipient", "ix_notifications_board_created", "ix_notifications_held"):
        op.drop_index(index, table_name="notifications")
    op.drop_column("notifications", "digest_id")
    op.drop_column("contacts", "status")
