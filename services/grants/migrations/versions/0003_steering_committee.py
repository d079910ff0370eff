"""The steering committee of each board and program year as registration publishes it
(SteeringCommitteeChanged): its members and meetings with their expenses, shown on the board's
grant application.

Revision ID: 0003_steering_committee
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_steering_committee"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steering_committees",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("members", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("meetings", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("expenses_total", sa.Numeric(12, 2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("steering_committees")
