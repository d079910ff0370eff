"""Boards, schools, the theme taxonomy, participants, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.events.vocabulary import DEFAULT_THEMES
from shared.outbox import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("region", sa.String),
        sa.Column("timezone", sa.String, nullable=False, server_default="America/Toronto"),
    )
    op.create_table(
        "schools",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code"), nullable=False, index=True),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.UniqueConstraint("board", "code"),
    )
    themes = op.create_table(
        "themes",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("name_en", sa.String, nullable=False),
        sa.Column("name_fr", sa.String, nullable=False),
    )
    op.bulk_insert(
        themes, [{"code": c, "name_en": en, "name_fr": fr} for c, (en, fr) in DEFAULT_THEMES.items()]
    )
    op.create_table(
        "participants",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False, index=True),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("hr_id", sa.String(80), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("given_name", sa.String, nullable=False),
        sa.Column("family_name", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("school", sa.String),
        sa.Column("grade_band", sa.String(20)),
        sa.Column("subjects", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("themes", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("learning_goals", sa.Text),
        sa.Column("expertise_themes", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("leads_school_leaders", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("trained", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("hub_capacity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("one_to_one_capacity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("evaluates_hr_ids", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(20), nullable=False, server_default="registered"),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("board", "program_year", "hr_id", name="uq_participant_hr_id"),
    )
    create_outbox_and_inbox(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "participants", "themes", "schools", "boards"):
        op.drop_table(table)
