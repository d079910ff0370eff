"""Notifications' own tables: a contact directory kept from events, and the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class NotificationsTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


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
    state: str = "pending"  # pending | sent | failed | suppressed
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
