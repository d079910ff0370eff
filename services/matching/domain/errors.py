"""Refusals of matching's rules.

Every error derives from :class:`MatchingError`; the HTTP layer turns each into problem+json in one
place (``entrypoints/problems.py``). Errors about one input carry ``field`` (the name at fault).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.matching.domain.draft_rules import Refusal


class MatchingError(Exception):
    """Base of every matching error (domain and service layer)."""


class Invalid(MatchingError, ValueError):
    """The request names something that exists but cannot be used this way; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidFields(MatchingError, ValueError):
    """Several fields of a request are wrong at once, each ``(field, message)``."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


class MatchingConflict(MatchingError):
    """The change cannot be made now or at all (with the reason, and when to retry if it may pass)."""

    def __init__(self, reason: str, *, field: str | None = None, retry_after: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.retry_after = retry_after


class OccasionalTeachersTaken(MatchingConflict):
    """Another booking took the occasional teachers a plan counted on; retrying plans again."""


class Refused(MatchingError):
    """The hard rules refuse a draft's adjustment, naming every reason by code and values."""

    def __init__(self, refusals: Sequence[Refusal]):
        super().__init__("; ".join(r.message for r in refusals))
        self.refusals = list(refusals)


class DayNotAvailable(MatchingError):
    """The chosen day cannot take the meeting or visit; ``message`` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NoReleaseDay(DayNotAvailable):
    """No school day of the window can take the visit."""


class MeetingCancelled(MatchingError):
    """A cancelled hub meeting cannot be moved."""

    def __init__(self) -> None:
        super().__init__("the meeting was cancelled")
