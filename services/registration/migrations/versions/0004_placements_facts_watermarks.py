"""Placements kept from matching's events, timeline phases closed by facts, and the watermark of
what registration holds per board and program year.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    # Where a participant is placed: a hub (kind 'hub', ref = hub id) or a one-to-one pairing
    # (kind 'mentor' for the teacher, ref = mentor id; 'mentee' for the mentor, ref = teacher id).
    op.create_table(
        "placements",
        sa.Column("participant_id", UUID, primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("ref", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_placements_ref", "placements", ["kind", "ref"])
    # What closed a phase: NULL = a coordinator (or not closed), else the fact (e.g. GrantSubmitted).
    op.add_column("program_phases", sa.Column("completed_by", sa.String(60)))
    # An import's report lists refused rows and also skipped and withdrawn ones, saying which.
    op.add_column(
        "import_errors", sa.Column("outcome", sa.String(20), nullable=False, server_default="refused")
    )
    op.create_table(
        "participant_watermarks",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("participant_watermarks")
    op.drop_column("import_errors", "outcome")
    op.drop_column("program_phases", "completed_by")
    op.drop_table("placements")
