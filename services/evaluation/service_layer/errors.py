"""Refusals of the service layer (what the domain alone cannot know: existence, visibility)."""

from __future__ import annotations

from services.evaluation.domain.errors import EvaluationError


class NotFound(EvaluationError):
    """No such object, or not one the caller may see (the two are indistinguishable)."""

    def __init__(self, what: str):
        super().__init__(f"no such {what}")
        self.what = what
