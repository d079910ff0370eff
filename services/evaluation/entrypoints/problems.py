"""Domain and service-layer refusals as problem+json: which status, title and fields each one gets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.evaluation.domain.errors import Conflict, EvaluationError, InvalidFields, MissingTranslations
from services.evaluation.service_layer.errors import NotFound
from shared.problems import Problem


def problem_for(exc: EvaluationError) -> Problem:
    """The HTTP answer to a refusal of the evaluation domain or service layer."""
    if isinstance(exc, InvalidFields):
        title = "Missing translations" if isinstance(exc, MissingTranslations) else "Invalid input"
        errors = [{"field": f, "message": m} for f, m in exc.problems.items()]
        return Problem(422, title, str(exc), errors=errors)
    if isinstance(exc, Conflict):
        field = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return Problem(409, "Conflict", exc.message, errors=field)
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", f"No such {exc.what} for you.")
    return Problem(422, "Refused", str(exc))


class EvaluationRoute(APIRoute):
    """Routes whose domain refusals become problem+json, so each endpoint stays a thin call."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except EvaluationError as exc:
                raise problem_for(exc) from exc

        return route
