"""What registration holds per board and program year (its latest ParticipantsCounted), so a run
starts only once matching has caught up.

Revision ID: 0005_readiness
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_readiness"
down_revision = "0004_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_counts",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("revisions", sa.BigInteger, nullable=False),
        sa.Column("importing", sa.Boolean, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("registration_counts")
