"""Refusals of registration's rules.

Every error derives from :class:`RegistrationError` and names the fields at fault, so
``entrypoints/problems.py`` can answer with problem+json naming every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence


class RegistrationError(Exception):
    """Base of every registration refusal."""


def _joined(problems: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{field}: {message}" for field, message in problems)


class InvalidInput(RegistrationError):
    """One or more values were refused: every one is named (field, message) at once.

    ``title`` says what was refused (e.g. "Invalid participant"); ``detail`` replaces the joined
    messages when one sentence says it better."""

    def __init__(
        self, problems: Sequence[tuple[str, str]], title: str = "Invalid input", detail: str | None = None
    ):
        super().__init__(detail or _joined(problems))
        self.problems = list(problems)
        self.title = title
        self.detail = detail or _joined(problems)


class Conflict(RegistrationError):
    """The change is valid in itself but the current state refuses it (a cancelled session, a cohort
    group with all its meetings, a board with history); ``problems`` names the fields concerned."""

    def __init__(self, title: str, detail: str, problems: Sequence[tuple[str, str]] = ()):
        super().__init__(detail)
        self.title = title
        self.detail = detail
        self.problems = list(problems)
