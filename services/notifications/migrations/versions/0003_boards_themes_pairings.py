"""Names people read, kept from registration's events (boards, the theme taxonomy), and the current
one-to-one pairing of each teacher (to tell a teacher and both mentors when it changes).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "themes",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_fr", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "pairings",
        sa.Column("teacher_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("mentor_id", UUID),  # null: unpaired
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pairings")
    op.drop_table("themes")
    op.drop_table("boards")
