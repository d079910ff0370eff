"""Notifications' own tables: a contact directory kept from events, the delivery log, board contacts,
messages awaiting a contact, what is scheduled (hubs, meetings, sessions, enrolments) and reminders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class NotificationsTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model (for INSERT … ON CONFLICT, which the ORM does not write)."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]  # SQLModel sets __table__ without declaring it


class Contact(NotificationsTable, table=True):
    __tablename__ = "contacts"

    participant_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False, index=True))
    revision: int
    given_name: str
    family_name: str
    email: str
    language: str = "en"
    role: str
    delivery_preference: str = "immediate"  # immediate | weekly_digest
    unsubscribed: bool = False
    status: str = "registered"  # registered | placed | withdrawn (from registration's snapshots)


class Notification(NotificationsTable, table=True):
    __tablename__ = "notifications"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID
    board: str = Field(sa_column=Column(sa.String(40), nullable=False, index=True))
    recipient_id: uuid.UUID | None = None
    recipient_email: str
    language: str
    template: str
    subject: str
    body_text: str
    body_html: str
    calendar: str | None = None
    urgent: bool = True
    state: str = "pending"  # pending | sent | failed | suppressed | held | digested
    # A held (weekly-digest) message points at the digest notification that carried it.
    digest_id: uuid.UUID | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))


class BoardContact(NotificationsTable, table=True):
    """A board's coordinators and steering committee members, who hear about the board's program."""

    __tablename__ = "board_contacts"
    __table_args__ = (sa.UniqueConstraint("board", "email", name="uq_board_contact"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False, index=True))
    email: str
    name: str
    language: str = "en"
    role: str  # coordinator | steering_committee
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class AwaitingMessage(NotificationsTable, table=True):
    """An event's message for one target that cannot be written yet (its contact, the board's
    coordinators or the session is not known yet); composed again when what it waits for arrives."""

    __tablename__ = "awaiting_messages"
    __table_args__ = (sa.UniqueConstraint("event_id", "target", name="uq_awaiting_once"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID
    event_type: str
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    target: str  # participant:<uuid> | coordinators | applicant | reviewer:<email> | *
    waiting_for: str = Field(index=True)  # contact:<uuid> | board:<code> | session:<uuid> | hub:<uuid>
    body: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class Hub(NotificationsTable, table=True):
    """A mentoring hub as matching last described it: who is in it and when it meets."""

    __tablename__ = "hubs"

    hub_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    theme: str
    language: str = "en"
    members: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    leaders: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    meeting_dates: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class ScheduledItem(NotificationsTable, table=True):
    """A hub meeting or a session (workshop, network session) at its latest ``sequence``."""

    __tablename__ = "scheduled_items"

    item_id: uuid.UUID = Field(primary_key=True)
    kind: str  # meeting | workshop | network_cohort | network_open
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    hub_id: uuid.UUID | None = None
    title: str | None = None
    starts_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    location: str | None = None
    online_url: str | None = None
    sequence: int = 0
    cancelled: bool = False
    attendees: list[str] = Field(sa_column=Column(JSONB, nullable=False))


class Enrolment(NotificationsTable, table=True):
    __tablename__ = "enrolments"

    session_id: uuid.UUID = Field(primary_key=True)
    participant_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    status: str  # confirmed | waitlisted
    position: int | None = None
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class Reminder(NotificationsTable, table=True):
    """A reminder to send at ``due_at``; ``key`` names what it is about, so rescheduling moves it."""

    __tablename__ = "reminders"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key: str = Field(sa_column=Column(sa.String(200), nullable=False, unique=True))
    kind: str  # meeting | session | grant_deadline
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    due_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    state: str = "pending"  # pending | sent | cancelled | skipped
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    note: str | None = None


class GrantSubmission(NotificationsTable, table=True):
    """A board submitted its start-up grant application for a program year (no deadline reminder then)."""

    __tablename__ = "grant_submissions"

    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    program_year: str = Field(sa_column=Column(sa.String(9), primary_key=True))
    application_id: uuid.UUID


class BoardName(NotificationsTable, table=True):
    """A board as registration names it (BoardRegistered, BoardRenamed): messages name it so."""

    __tablename__ = "boards"

    code: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    name: str
    language: str = "en"
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class ThemeName(NotificationsTable, table=True):
    """A theme of the provincial taxonomy with its names (ThemeDefined): the only copy notifications has."""

    __tablename__ = "themes"

    code: str = Field(sa_column=Column(sa.String(60), primary_key=True))
    name_en: str
    name_fr: str
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class Pairing(NotificationsTable, table=True):
    """A teacher's current one-to-one mentor (MentorPaired, MentorUnpaired); null when unpaired."""

    __tablename__ = "pairings"

    teacher_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    mentor_id: uuid.UUID | None = None
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class CalendarFeed(NotificationsTable, table=True):
    """A participant's personal calendar feed: only the SHA-256 of its secret token is kept, so the
    URL cannot be rebuilt from the database; deleting the row revokes it (the old URL answers 404)."""

    __tablename__ = "calendar_feeds"

    participant_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    token_hash: str = Field(sa_column=Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


# The board a participant belongs to, for a token that names the participant but no board
# (ServiceSpec.participant_board: row-level security needs a board to show any row).
PARTICIPANT_BOARD = "SELECT board FROM contacts WHERE participant_id = :participant"
