"""Registration's service-layer refusals as problem+json: which status and which fields."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.registration.service_layer.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    RegistrationError,
)
from shared.problems import Problem


def problem_of(exc: RegistrationError) -> Problem:
    if isinstance(exc, InvalidInput):
        return Problem(
            422,
            exc.title,
            str(exc),
            errors=[{"field": field, "message": message} for field, message in exc.problems],
        )
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", f"No such {exc.what}.")
    if isinstance(exc, AlreadyExists):
        return Problem(409, "Already exists", str(exc), errors=[{"field": exc.field, "message": exc.message}])
    return Problem(400, "Refused", str(exc))


class RegistrationRoute(APIRoute):
    """Routes whose service-layer refusals become problem+json, so each endpoint stays a thin call."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RegistrationError as exc:
                raise problem_of(exc) from exc

        return route
