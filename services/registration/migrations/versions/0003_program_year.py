"""Program year: timeline phases, workshops and network sessions, cohort groups, enrolments, attendance.

Revision ID: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "program_years",
        sa.Column("id", UUID, primary_key=True),
        # NULL: the provincial program year, the default of every board without its own.
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code")),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # One program year per board (and one provincial one) per year; NULLs would not collide otherwise.
    op.create_index(
        "uq_program_years_scope",
        "program_years",
        [sa.text("coalesce(board, '')"), "program_year"],
        unique=True,
    )
    op.create_table(
        "program_phases",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "program_year_id", UUID, sa.ForeignKey("program_years.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("audience", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("milestone", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("min_workshops", sa.Integer),
        sa.Column("completed_on", sa.Date),
        sa.UniqueConstraint("program_year_id", "key", name="uq_program_phases_key"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_program_phases_span"),
    )
    op.create_table(
        "network_cohorts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code")),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("facilitator", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("meetings_planned", sa.Integer, nullable=False, server_default="4"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("capacity > 0", name="ck_network_cohorts_capacity"),
    )
    op.create_table(
        "program_sessions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code")),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("facilitator", sa.String(200)),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(60), nullable=False, server_default="America/Toronto"),
        sa.Column("location", sa.String(300)),
        sa.Column("online_url", sa.String(500)),
        sa.Column("capacity", sa.Integer),
        sa.Column("audience", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("cohort_id", UUID, sa.ForeignKey("network_cohorts.id")),
        sa.Column("release_time", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("status", sa.String(20), nullable=False, server_default="scheduled"),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        *_timestamps(),
        sa.CheckConstraint("ends_at > starts_at", name="ck_program_sessions_span"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="ck_program_sessions_capacity"),
        sa.CheckConstraint(
            "kind IN ('workshop', 'network_cohort', 'network_open')", name="ck_program_sessions_kind"
        ),
    )
    op.create_index("ix_program_sessions_board_start", "program_sessions", ["board", "starts_at"])
    op.create_index("ix_program_sessions_cohort", "program_sessions", ["cohort_id"])
    op.create_table(
        "enrolments",
        sa.Column("id", UUID, primary_key=True),
        # Orders the waitlist: first come, first promoted.
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("session_id", UUID, sa.ForeignKey("program_sessions.id")),
        sa.Column("cohort_id", UUID, sa.ForeignKey("network_cohorts.id")),
        sa.Column("participant_id", UUID, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("promoted_from_waitlist", sa.Boolean, nullable=False, server_default="false"),
        *_timestamps(),
        sa.CheckConstraint("num_nonnulls(session_id, cohort_id) = 1", name="ck_enrolments_target"),
        sa.CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="ck_enrolments_status"),
    )
    # One live enrolment per person and session (or cohort group); cancelled ones are history.
    op.create_index(
        "uq_enrolments_session_live",
        "enrolments",
        ["session_id", "participant_id"],
        unique=True,
        postgresql_where=sa.text("session_id IS NOT NULL AND status <> 'cancelled'"),
    )
    op.create_index(
        "uq_enrolments_cohort_live",
        "enrolments",
        ["cohort_id", "participant_id"],
        unique=True,
        postgresql_where=sa.text("cohort_id IS NOT NULL AND status <> 'cancelled'"),
    )
    op.create_index("ix_enrolments_participant", "enrolments", ["participant_id"])
    op.create_table(
        "session_attendance",
        sa.Column(
            "session_id", UUID, sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("participant_id", UUID, sa.ForeignKey("participants.id"), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("attended", sa.Boolean, nullable=False),
        sa.Column("recorded_by", sa.String(200)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_session_attendance_participant", "session_attendance", ["participant_id"])


def downgrade() -> None:
    for table in (
        "session_attendance",
        "enrolments",
        "program_sessions",
        "network_cohorts",
        "program_phases",
        "program_years",
    ):
        op.drop_table(table)
