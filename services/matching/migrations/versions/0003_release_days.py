"""Release days: board calendars, occasional-teacher bookings, hub meetings, observations, debriefs,
workshop days learned from registration.

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


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "board_calendars",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("program_year", sa.String(9), primary_key=True),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("holidays", postgresql.ARRAY(sa.Date), nullable=False, server_default="{}"),
        sa.Column("pa_days", postgresql.ARRAY(sa.Date), nullable=False, server_default="{}"),
        sa.Column("timezone", sa.String(60), nullable=False, server_default="America/Toronto"),
        sa.Column("release_starts", sa.Time, nullable=False, server_default="09:00"),
        sa.Column("release_ends", sa.Time, nullable=False, server_default="15:00"),
        sa.Column("after_school_starts", sa.Time, nullable=False, server_default="15:45"),
        sa.Column("after_school_ends", sa.Time, nullable=False, server_default="17:15"),
        _now("updated_at"),
        sa.CheckConstraint("last_day >= first_day", name="ck_board_calendars_span"),
    )
    # The occasional-teacher ledger. The CHECK is the last line of defence: bookings are
    # conditional updates (booked + n <= capacity) under row locks taken in day order.
    op.create_table(
        "release_day_bookings",
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False, server_default="0"),
        _now("updated_at"),
        sa.CheckConstraint("capacity >= 0", name="ck_release_day_bookings_capacity"),
        sa.CheckConstraint("booked >= 0", name="ck_release_day_bookings_booked"),
        sa.CheckConstraint("booked <= capacity", name="ck_release_day_bookings_within_capacity"),
    )
    op.create_table(
        "hub_meetings",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("hub_id", UUID, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_time", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("releases", sa.Integer, nullable=False, server_default="0"),
        sa.Column("with_class", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attendees", postgresql.ARRAY(UUID), nullable=False, server_default="{}"),
        sa.Column("location", sa.String(300)),
        sa.Column("status", sa.String(20), nullable=False, server_default="scheduled"),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("releases >= 0", name="ck_hub_meetings_releases"),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="ck_hub_meetings_status"),
    )
    op.create_index("ix_hub_meetings_board_year", "hub_meetings", ["board", "program_year", "day"])
    # A hub never meets twice in one month (the scheduler's rule, held by the database too).
    op.create_index(
        "uq_hub_meetings_month",
        "hub_meetings",
        ["hub_id", sa.text("date_trunc('month', day::timestamp)")],
        unique=True,
        postgresql_where=sa.text("status = 'scheduled'"),
    )
    op.create_table(
        "observations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("visitor_id", UUID, nullable=False),
        sa.Column("host_id", UUID, nullable=False),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("releases", sa.Integer, nullable=False, server_default="1"),
        sa.Column("status", sa.String(20), nullable=False, server_default="scheduled"),
        _now("created_at"),
        sa.CheckConstraint("visitor_id <> host_id", name="ck_observations_two_people"),
    )
    op.create_index("ix_observations_board_year", "observations", ["board", "program_year", "day"])
    op.create_table(
        "observation_debriefs",
        sa.Column(
            "observation_id", UUID, sa.ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("author_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("mentor_id", UUID),
        sa.Column("body", sa.Text, nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("char_length(body) <= 4000", name="ck_observation_debriefs_short"),
    )
    op.create_table(
        "workshop_sessions",
        sa.Column("session_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "workshop_enrolments",
        sa.Column("session_id", UUID, primary_key=True),
        sa.Column("participant_id", UUID, primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
    )
    op.create_index("ix_workshop_enrolments_participant", "workshop_enrolments", ["participant_id"])


def downgrade() -> None:
    for table in (
        "workshop_enrolments",
        "workshop_sessions",
        "observation_debriefs",
        "observations",
        "hub_meetings",
        "release_day_bookings",
        "board_calendars",
    ):
        op.drop_table(table)
