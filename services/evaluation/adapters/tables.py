"""Evaluation's tables (created by migrations 0002 and 0003, which holds a frozen copy of these definitions).

What the bus told us (participants' roles, hubs, pairings, meetings, observations, sessions) is kept
as ids and facts only: no names, no emails. Survey answers never carry a person; ``ballots`` records
only that someone answered (one response per person), never which answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = sa.MetaData()

UUIDS = ARRAY(UUID(as_uuid=True))


def _board() -> sa.Column:
    return sa.Column("board", sa.String(40), nullable=False, index=True)


participants = sa.Table(
    "participants",
    metadata,
    sa.Column("participant_id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("program_year", sa.String(9), nullable=False),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    # The (up to three, ordered) themes of a beginning teacher's or new school leader's learning goals.
    sa.Column("themes", ARRAY(sa.String(60)), nullable=False, server_default="{}"),
)

# The provincial taxonomy's theme names (registration's ThemeDefined): province-wide reference data,
# no board (shared/rls.py UNSCOPED_TABLES).
themes = sa.Table(
    "themes",
    metadata,
    sa.Column("code", sa.String(60), primary_key=True),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("name_fr", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

hubs = sa.Table(
    "hubs",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("program_year", sa.String(9), nullable=False),
    sa.Column("theme", sa.String(100), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("formed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("members", UUIDS, nullable=False),
    sa.Column("leaders", UUIDS, nullable=False),
)

pairings = sa.Table(
    "pairings",
    metadata,
    sa.Column("program_year", sa.String(9), primary_key=True),
    sa.Column("teacher_id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("mentor_id", UUID(as_uuid=True), nullable=False),
    sa.Column("paired_at", sa.DateTime(timezone=True), nullable=False),
    # Set by MentorUnpaired: the pairing ended (kept, so a late MentorPaired older than it changes nothing).
    sa.Column("ended_at", sa.DateTime(timezone=True)),
)

meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("hub_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled', 'held')", name="ck_meetings_status"),
)

meeting_attendance = sa.Table(
    "meeting_attendance",
    metadata,
    sa.Column("meeting_id", UUID(as_uuid=True), sa.ForeignKey("meetings.id"), primary_key=True),
    sa.Column("participant_id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("present", sa.Boolean, nullable=False),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("visitor_id", UUID(as_uuid=True), nullable=False),
    sa.Column("host_id", UUID(as_uuid=True), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
)

enrolments = sa.Table(
    "enrolments",
    metadata,
    sa.Column("session_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("participant_id", UUID(as_uuid=True), primary_key=True),
    _board(),
)

session_attendance = sa.Table(
    "session_attendance",
    metadata,
    sa.Column("session_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("participant_id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("attended", sa.Boolean, nullable=False),
)

question_sets = sa.Table(
    "question_sets",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("board", sa.String(40), index=True),  # NULL: the province's
    sa.Column("extends", sa.String(80)),
    sa.Column("title", JSONB, nullable=False),
    sa.Column("questions", JSONB, nullable=False),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("program_year", sa.String(9), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("mode", sa.String(20), nullable=False),
    sa.Column("hub_id", UUID(as_uuid=True)),
    sa.Column("meeting_id", UUID(as_uuid=True), unique=True),  # one pulse per meeting held
    sa.Column("question_set", sa.String(80), nullable=False),
    sa.Column("title", JSONB, nullable=False),
    sa.Column("questions", JSONB, nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("invitees", UUIDS, nullable=False),
    sa.Column("reminded_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("mode IN ('anonymous', 'confidential')", name="ck_surveys_mode"),
    sa.Index(
        "uq_surveys_round",
        "board",
        "program_year",
        "kind",
        unique=True,
        postgresql_where=sa.text("kind <> 'pulse'"),
    ),
)

# An answer: the group attributes aggregation needs (hub, role), never a person, in either mode.
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id"), nullable=False, index=True),
    _board(),
    sa.Column("hub_id", UUID(as_uuid=True)),
    sa.Column("role", sa.String(30)),
    sa.Column("answers", JSONB, nullable=False),
    # The only way back to an answer: the hash of a key only its respondent holds.
    sa.Column("edit_key_hash", sa.LargeBinary, nullable=False, unique=True),
)

# Has responded: one response per person per survey; no timestamp and no reference to the answer.
ballots = sa.Table(
    "ballots",
    metadata,
    sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id"), primary_key=True),
    # Confidential: the participant's id (for reminders). Anonymous: a hash of the participant's id
    # with the survey's salt, which is erased when the survey closes (then it names nobody).
    sa.Column("voter", sa.String(64), primary_key=True),
    _board(),
)

survey_salts = sa.Table(
    "survey_salts",
    metadata,
    sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id"), primary_key=True),
    sa.Column("salt", sa.LargeBinary, nullable=False),
)

harvest_items = sa.Table(
    "harvest_items",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("hub_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("program_year", sa.String(9), nullable=False),
    sa.Column("phase", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("owner", sa.String(200)),
    sa.Column("due_on", sa.Date),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

harvest_themes = sa.Table(
    "harvest_themes",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    _board(),
    sa.Column("hub_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("program_year", sa.String(9), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("items", UUIDS, nullable=False),
)

harvest_votes = sa.Table(
    "harvest_votes",
    metadata,
    sa.Column("theme_id", UUID(as_uuid=True), sa.ForeignKey("harvest_themes.id"), primary_key=True),
    sa.Column("participant_id", UUID(as_uuid=True), primary_key=True),
    _board(),
)

harvest_publications = sa.Table(
    "harvest_publications",
    metadata,
    sa.Column("board", sa.String(40), primary_key=True),
    sa.Column("program_year", sa.String(9), primary_key=True),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)

# The board a participant belongs to, for a token that names the participant but no board
# (ServiceSpec.participant_board: row-level security needs a board to show any row).
PARTICIPANT_BOARD = (
    "SELECT board FROM participants WHERE participant_id = :participant ORDER BY program_year DESC LIMIT 1"
)
