"""Contacts, the delivery log, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.outbox import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("participant_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("given_name", sa.String, nullable=False),
        sa.Column("family_name", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("delivery_preference", sa.String(20), nullable=False, server_default="immediate"),
        sa.Column("unsubscribed", sa.Boolean, nullable=False, server_default="false"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("board", sa.String(40), nullable=False, index=True),
        sa.Column("recipient_id", postgresql.UUID(as_uuid=True)),
        sa.Column("recipient_email", sa.String, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("template", sa.String(60), nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("calendar", sa.Text),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        # One notification per (event, recipient, template), whatever the redeliveries.
        sa.UniqueConstraint("event_id", "recipient_email", "template", name="uq_notification_once"),
    )
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    create_outbox_and_inbox(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "notifications", "contacts"):
        op.drop_table(table)
