"""Goal attainment per learning-goal theme: participants keep their (up to three, ordered) themes, and
the provincial taxonomy's theme names (ThemeDefined) are kept to word the questions and the report.

``participants`` is already held to the board policies (0004); ``themes`` is province-wide reference
data with no board, like registration's and notifications' (shared/rls.py UNSCOPED_TABLES): readable
by every board's staff, written only by the event consumer. The runtime role's grants are renewed so
it may read and write the new table.

Revision ID: 0005_goal_attainment_by_theme
Revises: 0004_row_level_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from shared import rls

revision = "0005_goal_attainment_by_theme"
down_revision = "0004_row_level_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "participants",
        sa.Column("themes", ARRAY(sa.String(60)), nullable=False, server_default="{}"),
    )
    op.create_table(
        "themes",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_fr", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    rls.grant_runtime_role(op, "evaluation")


def downgrade() -> None:
    op.drop_table("themes")
    op.drop_column("participants", "themes")
