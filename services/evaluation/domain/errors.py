"""Domain errors of the evaluation service.

Every error derives from :class:`EvaluationError`. Refusals of input carry the fields at fault
(``problems``: field → message) so the HTTP layer names every bad field at once.
"""

from __future__ import annotations


class EvaluationError(Exception):
    """Base of every evaluation domain error."""


class InvalidFields(EvaluationError, ValueError):
    """One or more values were refused; ``problems`` maps each field to why."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems.items()))
        self.problems = dict(problems)

    @classmethod
    def one(cls, field: str, message: str) -> InvalidFields:
        return cls({field: message})


class MissingTranslations(InvalidFields):
    """A question set cannot open a survey until every text exists in English and French."""


class Conflict(EvaluationError):
    """The request contradicts the state (a cancelled meeting recorded as held, a closed survey)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
