"""Refusals of registration's service layer; ``entrypoints/problems.py`` maps them to problem+json."""

from __future__ import annotations


class RegistrationError(Exception):
    """Base of the refusals below."""


class InvalidInput(RegistrationError):
    """One or more fields of a request are wrong: every one is named (field, message) at once."""

    def __init__(self, problems: list[tuple[str, str]], title: str = "Invalid input"):
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems
        self.title = title


class NotFound(RegistrationError):
    """No such object, or not in a board the caller may see (the two are indistinguishable)."""

    def __init__(self, what: str):
        super().__init__(f"no such {what}")
        self.what = what


class AlreadyExists(RegistrationError):
    """A unique rule refused the change; ``field`` names what collides."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
