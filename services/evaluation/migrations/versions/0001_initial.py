"""Outbox and inbox.

Revision ID: 0001
"""

from alembic import op

from shared.outbox import create_outbox_and_inbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_and_inbox(op)


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
