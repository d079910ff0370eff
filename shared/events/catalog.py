"""Every integration event type, and decoding of message bodies into them."""

from __future__ import annotations

import json

from pydantic import ValidationError

from shared.events import evaluation, grants, matching, registration
from shared.events.envelope import IntegrationEvent


class UndecodableEvent(Exception):
    """The body is not an event this service can read; it belongs in the dead-letter queue."""


def _all_event_types() -> list[type[IntegrationEvent]]:
    found: list[type[IntegrationEvent]] = []
    for module in (registration, matching, grants, evaluation):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, IntegrationEvent)
                and value is not IntegrationEvent
                and not value.__dict__.get("FAMILY", False)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


EVENT_TYPES: dict[tuple[str, int], type[IntegrationEvent]] = {
    (cls.__name__, cls.VERSION): cls for cls in _all_event_types()
}


def encode(event: IntegrationEvent) -> bytes:
    return event.model_dump_json().encode()


def decode(body: bytes) -> IntegrationEvent:
    """Parse a message body into its event class, refusing unknown types/versions and bad payloads."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UndecodableEvent(f"body is not JSON: {exc.__class__.__name__}") from exc
    if not isinstance(raw, dict):
        raise UndecodableEvent("body is not a JSON object")
    event_type, version = raw.get("type"), raw.get("version")
    cls = (
        EVENT_TYPES.get((event_type, version))
        if isinstance(event_type, str) and isinstance(version, int)
        else None
    )
    if cls is None:
        raise UndecodableEvent(f"unknown event type/version {event_type!r} v{version!r}")
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise UndecodableEvent(f"invalid {cls.__name__}: fields {fields}") from exc
