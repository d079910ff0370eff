"""Matching's view of participants, outbox and inbox.

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
        "participants",
        sa.Column("participant_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False, index=True),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("hr_id", sa.String(80), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("display_name", sa.String, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("school", sa.String),
        sa.Column("grade_band", sa.String(20)),
        sa.Column("subjects", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("themes", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("expertise_themes", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("leads_school_leaders", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("trained", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("hub_capacity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("one_to_one_capacity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("evaluates_hr_ids", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("placement_status", sa.String(30), nullable=False, server_default="awaiting_placement"),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_participants_board_year", "participants", ["board", "program_year"])
    create_outbox_and_inbox(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "participants"):
        op.drop_table(table)
