"""Matching's refusals (domain and service layer) as problem+json: which status, title and fields
each one gets. Routers use :class:`MatchingRoute` so every endpoint stays a thin call."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.matching.domain.errors import (
    DayNotAvailable,
    Invalid,
    InvalidFields,
    MatchingConflict,
    MatchingError,
    MeetingCancelled,
    NoReleaseDay,
    OccasionalTeachersTaken,
    Refused,
)
from services.matching.service_layer.errors import (
    NoSchoolCalendar,
    NotCaughtUp,
    NotFound,
    UnknownBoard,
    UnknownProgramYear,
)
from shared.problems import Problem


def _retry(seconds: int | None) -> dict[str, str] | None:
    return {"Retry-After": str(seconds)} if seconds else None


def problem_for(exc: MatchingError, *, invalid_title: str = "Invalid input") -> Problem:
    """The HTTP answer to a refusal of matching's domain or service layer."""
    if isinstance(exc, NotFound):
        errors = [{"field": exc.field, "message": "not found in your board"}] if exc.field else None
        return Problem(404, "Not found", exc.what, errors=errors)
    if isinstance(exc, Invalid):
        return Problem(
            422,
            invalid_title,
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message}],
        )
    if isinstance(exc, InvalidFields):
        return Problem(
            422, "Invalid request", str(exc), errors=[{"field": f, "message": m} for f, m in exc.errors]
        )
    if isinstance(exc, Refused):
        return Problem(
            409,
            "Refused by the matching rules",
            str(exc),
            errors=[
                {
                    "field": r.field,
                    "code": r.code,
                    "values": r.values,
                    "message": r.message,
                    "overridable": r.overridable,
                }
                for r in exc.refusals
            ],
        )
    if isinstance(exc, OccasionalTeachersTaken):
        return Problem(409, "Occasional teachers taken", exc.reason, headers=_retry(exc.retry_after))
    if isinstance(exc, MatchingConflict):
        return Problem(
            409,
            "Conflict",
            exc.reason,
            errors=[{"field": exc.field, "message": exc.reason}] if exc.field else None,
            headers=_retry(exc.retry_after),
        )
    if isinstance(exc, DayNotAvailable):
        title = "No release day" if isinstance(exc, NoReleaseDay) else "Day not available"
        return Problem(409, title, str(exc), errors=[{"field": exc.field, "message": exc.message}])
    if isinstance(exc, MeetingCancelled):
        return Problem(409, "Cancelled", str(exc))
    if isinstance(exc, NoSchoolCalendar):
        return Problem(
            409,
            "No school calendar",
            str(exc),
            errors=[{"field": "program_year", "message": "no school calendar"}],
        )
    if isinstance(exc, UnknownBoard):
        return Problem(404, "Unknown board", str(exc))
    if isinstance(exc, UnknownProgramYear):
        return Problem(
            422,
            "Unknown program year",
            str(exc),
            errors=[{"field": "program_year", "message": "registration holds nobody in it"}],
        )
    if isinstance(exc, NotCaughtUp):
        found = exc.readiness
        return Problem(
            409,
            "Matching has not caught up",
            str(exc),
            headers={"Retry-After": "2"},
            errors=[
                {
                    "field": "program_year",
                    "message": "registration's changes are still arriving",
                    "behind": found.behind,
                    "importing": found.importing,
                }
            ],
        )
    return Problem(422, "Refused", str(exc))


class MatchingRoute(APIRoute):
    """Routes whose refusals become problem+json (a one-field refusal titled ``invalid_title``)."""

    invalid_title = "Invalid input"

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        invalid_title = self.invalid_title

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except MatchingError as exc:
                raise problem_for(exc, invalid_title=invalid_title) from exc

        return route


class WorkflowRoute(MatchingRoute):
    """The coordinator's workflow answers a one-field refusal as "Invalid request", as its
    several-field refusals are."""

    invalid_title = "Invalid request"
