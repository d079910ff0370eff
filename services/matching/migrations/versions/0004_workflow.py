"""Coordinator workflow: a run's draft (reviewed, then published or discarded), the coordinator's
standing decisions that every later run keeps, and the inputs' digest of the published state.

Revision ID: 0004_workflow
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_workflow"
down_revision = "0003"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    # draft | published | discarded | superseded (and "completed" for runs before drafts existed).
    op.add_column("matching_runs", sa.Column("draft", postgresql.JSONB))
    op.add_column("matching_runs", sa.Column("inputs", sa.String(64)))
    op.add_column("matching_runs", sa.Column("base", sa.String(64)))
    op.add_column("matching_runs", sa.Column("published_at", sa.DateTime(timezone=True)))
    op.add_column("matching_runs", sa.Column("published_by", sa.String(200)))
    op.create_table(
        "standing_decisions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("participant_id", UUID, nullable=False),
        sa.Column("hub_id", UUID),
        sa.Column("mentor_id", UUID),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "kind IN ('member', 'leader', 'not_leader', 'pairing', 'unpaired')", name="ck_decision_kind"
        ),
    )
    op.create_index(
        "ix_standing_decisions_board_year", "standing_decisions", ["board", "program_year", "participant_id"]
    )


def downgrade() -> None:
    op.drop_table("standing_decisions")
    for column in ("published_by", "published_at", "base", "inputs", "draft"):
        op.drop_column("matching_runs", column)
