"""Refusals of registration's service layer (what the domain alone cannot know: existence,
uniqueness); ``entrypoints/problems.py`` maps them, and the domain's, to problem+json."""

from __future__ import annotations

from services.registration.domain.errors import Conflict, InvalidInput, RegistrationError

__all__ = ["AlreadyExists", "Conflict", "InvalidInput", "NotFound", "RegistrationError"]


class NotFound(RegistrationError):
    """No such object, or not in a board the caller may see (the two are indistinguishable)."""

    def __init__(self, what: str, detail: str | None = None):
        super().__init__(f"no such {what}")
        self.what = what
        self.detail = detail or f"No such {what}."


class AlreadyExists(RegistrationError):
    """A unique rule refused the change; ``field`` names what collides."""

    def __init__(self, field: str, message: str, *, title: str = "Already exists", detail: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.title = title
        self.detail = detail or f"{field}: {message}"
