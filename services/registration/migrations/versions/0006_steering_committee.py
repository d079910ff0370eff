"""The program's steering committee per board and program year: its members (whom they represent)
and its meetings with their expenses.

Revision ID: 0006_steering_committee
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_steering_committee"
down_revision = "0005"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "steering_committees",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code"), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("board", "program_year", name="uq_steering_committees_board_year"),
    )
    op.create_table(
        "steering_committee_members",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "committee_id", UUID, sa.ForeignKey("steering_committees.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("representing", sa.String(20), nullable=False),
        sa.Column("participant_id", UUID, sa.ForeignKey("participants.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "representing IN ('local', 'district', 'association')", name="ck_steering_member_representing"
        ),
    )
    op.create_index("ix_steering_committee_members_committee", "steering_committee_members", ["committee_id"])
    op.create_table(
        "steering_committee_meetings",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "committee_id", UUID, sa.ForeignKey("steering_committees.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("agenda_summary", sa.Text, nullable=False),
        sa.Column("expenses", sa.Numeric(12, 2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("expenses >= 0", name="ck_steering_meeting_expenses"),
    )
    op.create_index(
        "ix_steering_committee_meetings_committee", "steering_committee_meetings", ["committee_id"]
    )


def downgrade() -> None:
    op.drop_table("steering_committee_meetings")
    op.drop_table("steering_committee_members")
    op.drop_table("steering_committees")
