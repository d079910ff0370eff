"""Hubs and their members, runs, unplaced teachers, one-to-one pairings, overrides, board policies.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "matching_runs",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        # Runs are synchronous (one transaction), so a stored run is completed; the column leaves
        # room for asynchronous runs of a whole region later.
        sa.Column("status", sa.String(20), nullable=False, server_default="completed"),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("objective", sa.Float),
        sa.Column("counts", postgresql.JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_matching_runs_board_year", "matching_runs", ["board", "program_year", "started_at"])

    op.create_table(
        "hubs",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("theme", sa.String(60), nullable=False),
        sa.Column("grade_band", sa.String(20)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False, server_default=""),
        sa.Column("flags", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("locked", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("run_id", UUID),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_hubs_board_year_theme", "hubs", ["board", "program_year", "theme"])

    op.create_table(
        "hub_members",
        sa.Column("hub_id", UUID, sa.ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("participant_id", UUID, primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("role IN ('member', 'leader')", name="ck_hub_members_role"),
    )
    # A teacher is a member of at most one hub per program year (leaders may lead several).
    op.create_index(
        "uq_hub_members_member_per_year",
        "hub_members",
        ["program_year", "participant_id"],
        unique=True,
        postgresql_where=sa.text("role = 'member'"),
    )
    op.create_index("ix_hub_members_participant", "hub_members", ["participant_id"])

    op.create_table(
        "unplaced",
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("participant_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("run_id", UUID),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_unplaced_board_year", "unplaced", ["board", "program_year"])

    op.create_table(
        "pairings",
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("teacher_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("mentor_id", UUID, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False, server_default=""),
        sa.Column("run_id", UUID),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_pairings_board_year", "pairings", ["board", "program_year"])
    op.create_index("ix_pairings_mentor", "pairings", ["mentor_id"])

    op.create_table(
        "overrides",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("hub_id", UUID, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("participant_id", UUID),
        sa.Column("details", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("forced", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_overrides_board_year", "overrides", ["board", "program_year", "id"])

    op.create_table(
        "board_policies",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("min_hub_size", sa.Integer, nullable=False, server_default="6"),
        sa.Column("max_hub_size", sa.Integer, nullable=False, server_default="8"),
        sa.Column("share_across_boards_in_region", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("region", sa.String(100)),
        sa.Column("weights", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("updated_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("2 <= min_hub_size AND min_hub_size <= max_hub_size", name="ck_policy_sizes"),
    )


def downgrade() -> None:
    for table in (
        "board_policies",
        "overrides",
        "pairings",
        "unplaced",
        "hub_members",
        "hubs",
        "matching_runs",
    ):
        op.drop_table(table)
