"""Refusals of the service layer (what the domain alone cannot know: existence, uniqueness)."""

from __future__ import annotations

from services.grants.domain.errors import GrantsError


class NotFound(GrantsError):
    """No such object, or not in a board the caller may see (the two are indistinguishable)."""

    def __init__(self, what: str):
        super().__init__(f"no such {what}")
        self.what = what


class AlreadyExists(GrantsError):
    """A unique rule refused the change; ``field`` names what collides."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
