"""Domain and service-layer refusals as problem+json: which status, title and field each one gets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.grants.domain.errors import (
    ApplicationNotEditable,
    AwardRefused,
    BudgetExceeded,
    DeadlinePassed,
    GrantsError,
    IncompleteApplication,
    InvalidField,
    InvalidFields,
    InvalidTransition,
    ProgramMismatch,
)
from services.grants.service_layer.errors import AlreadyExists, NotFound
from shared.problems import Problem


def _deadline_detail(exc: DeadlinePassed) -> str:
    # Say it in the province's time (the zone the deadline carries), not in UTC.
    zone = exc.deadline.tzinfo
    closes = exc.deadline
    if exc.extension_until is not None and exc.extension_until > exc.deadline:
        closes = exc.extension_until.astimezone(zone)
        return (
            f"Submissions closed at {exc.deadline.isoformat()}; this applicant's extension ended at "
            f"{closes.isoformat()}. It is now {exc.now.astimezone(zone).isoformat()}."
        )
    return (
        f"Submissions closed at {closes.isoformat()} and it is now {exc.now.astimezone(zone).isoformat()}. "
        "A province administrator can grant this applicant an extension."
    )


def problem_for(exc: GrantsError) -> Problem:
    """The HTTP answer to a refusal of the grants domain or service layer."""
    if isinstance(exc, InvalidFields):
        errors = [{"field": e.field, "message": e.message} for e in exc.refused]
        return Problem(422, "Invalid input", str(exc), errors=errors)
    if isinstance(exc, InvalidField):
        return Problem(
            422,
            "Invalid input",
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message}],
        )
    if isinstance(exc, IncompleteApplication):
        return Problem(
            422,
            "Incomplete application",
            str(exc),
            errors=[{"field": f, "message": "required before submission"} for f in exc.missing],
        )
    if isinstance(exc, DeadlinePassed):
        detail = _deadline_detail(exc)
        return Problem(409, "Deadline passed", detail, errors=[{"field": "deadline", "message": detail}])
    if isinstance(exc, BudgetExceeded):
        return Problem(409, "Budget exceeded", str(exc), errors=[{"field": exc.field, "message": str(exc)}])
    if isinstance(exc, AwardRefused):
        return Problem(422, "Award refused", str(exc), errors=[{"field": exc.field, "message": str(exc)}])
    if isinstance(exc, InvalidTransition):
        return Problem(409, "Invalid transition", f"The application is {exc.from_state}: {exc}.")
    if isinstance(exc, ApplicationNotEditable):
        return Problem(409, "Not editable", str(exc))
    if isinstance(exc, ProgramMismatch):
        return Problem(409, "Program mismatch", str(exc))
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", f"No such {exc.what} in your board.")
    if isinstance(exc, AlreadyExists):
        return Problem(
            409,
            "Already exists",
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message}],
        )
    return Problem(422, "Refused", str(exc))


class GrantsRoute(APIRoute):
    """Routes whose domain refusals become problem+json, so each endpoint stays a thin call."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except GrantsError as exc:
                raise problem_for(exc) from exc

        return route
