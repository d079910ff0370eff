"""The envelope every integration event carries, and the rules of versioning.

An event is one pydantic model named in the past tense. Its routing key is
``<producer>.<snake_name>.v<major>``. Adding an optional field is a compatible
(minor) change: consumers ignore fields they do not know. Anything else is a new
major version, published beside the old one until every consumer has moved.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def utcnow() -> datetime:
    return datetime.now(UTC)


class IntegrationEvent(BaseModel):
    """Base of every event on the bus: the envelope fields plus the payload fields of a subclass."""

    # Unknown (newer, optional) fields are ignored so an older consumer keeps working.
    model_config = ConfigDict(extra="ignore", frozen=True)

    PRODUCER: ClassVar[str]
    VERSION: ClassVar[int] = 1
    # A family's common base (ParticipantEvent, GrantEvent) is never sent itself.
    FAMILY: ClassVar[bool] = False

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = ""
    version: int = 0
    occurred_at: datetime = Field(default_factory=utcnow)
    board: str = Field(description="Board (tenant) code the event belongs to")
    producer: str = ""
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None

    def model_post_init(self, __context: object) -> None:
        # The envelope's type/version/producer always describe the class, whatever the caller passed.
        object.__setattr__(self, "type", type(self).__name__)
        object.__setattr__(self, "version", type(self).VERSION)
        object.__setattr__(self, "producer", type(self).PRODUCER)
        if self.correlation_id is None:
            object.__setattr__(self, "correlation_id", self.event_id)

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.PRODUCER}.{_snake(cls.__name__)}.v{cls.VERSION}"

    def caused(self, **kwargs: object) -> dict[str, object]:
        """Envelope fields for an event caused by this one (same correlation, causation = this)."""
        return {
            "board": self.board,
            "correlation_id": self.correlation_id,
            "causation_id": self.event_id,
            **kwargs,
        }
