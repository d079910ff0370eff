"""What waits for the weekly digest, and how held messages become one digest per recipient."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

DeliveryPreference = Literal["immediate", "weekly_digest"]
InitialState = Literal["pending", "held", "suppressed"]

# The layouts end every text body with this separator and the footer; a digest shows one footer.
FOOTER_SEPARATOR = "\n\n--\n"
_DIGEST_NAMESPACE = uuid.UUID("0b8d8a4e-6a55-4c39-9d36-3f1f8e5b2a77")


def initial_state(
    *, urgent: bool, has_calendar: bool, unsubscribed: bool, preference: str | None
) -> InitialState:
    """Urgent messages and calendar invitations always go out at once; other messages are dropped
    for people who unsubscribed and held for the weekly digest of those who chose it."""
    if urgent or has_calendar:
        return "pending"
    if unsubscribed:
        return "suppressed"
    if preference == "weekly_digest":
        return "held"
    return "pending"


@dataclass(frozen=True)
class HeldMessage:
    subject: str
    body_text: str
    created_at: datetime


@dataclass(frozen=True)
class DigestEntry:
    subject: str
    text: str
    created_at: datetime


def digest_entries(held: Iterable[HeldMessage]) -> list[DigestEntry]:
    """The held messages, oldest first, each without its own footer."""
    return [
        DigestEntry(
            subject=m.subject, text=m.body_text.split(FOOTER_SEPARATOR, 1)[0].strip(), created_at=m.created_at
        )
        for m in sorted(held, key=lambda m: m.created_at)
    ]


def digest_event_id(recipient: str, cutoff: datetime) -> uuid.UUID:
    """The id of the one digest of ``recipient`` for the week ending at ``cutoff``: two workers
    composing the same digest collide on the delivery log's uniqueness instead of sending twice."""
    return uuid.uuid5(_DIGEST_NAMESPACE, f"{recipient.lower()}|{cutoff.isoformat()}")


def reminder_event_id(key: str, due_at: datetime) -> uuid.UUID:
    """The id a reminder's messages carry: one per reminder and due time (a moved meeting is reminded again)."""
    return uuid.uuid5(_DIGEST_NAMESPACE, f"reminder|{key}|{due_at.isoformat()}")
