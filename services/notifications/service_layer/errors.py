"""Refusals of the service layer (what the domain alone cannot know: existence, uniqueness)."""

from __future__ import annotations

from services.notifications.domain.errors import NotificationsError


class NotFound(NotificationsError):
    """No such object, or not one the caller may see (the two are indistinguishable)."""

    def __init__(self, what: str, detail: str | None = None):
        super().__init__(f"no such {what}")
        self.what = what
        self.detail = detail or f"No such {what}."


class AlreadyExists(NotificationsError):
    """A unique rule refused the change; ``field`` names what collides."""

    def __init__(self, field: str, message: str, *, title: str = "Already exists", short: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.title = title
        self.short = short or message  # what the error list says of the field
