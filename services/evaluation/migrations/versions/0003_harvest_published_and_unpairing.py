"""A board's harvest published once a year; a pairing that ended (MentorUnpaired) keeps its end.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pairings", sa.Column("ended_at", sa.DateTime(timezone=True)))
    op.create_table(
        "harvest_publications",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("harvest_publications")
    op.drop_column("pairings", "ended_at")
