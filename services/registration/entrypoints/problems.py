"""Registration's domain and service-layer refusals as problem+json: which status, title and fields."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.registration.domain.errors import Conflict, InvalidInput, RegistrationError
from services.registration.service_layer.errors import AlreadyExists, NotFound
from shared.problems import Problem


def _fields(problems: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"field": field, "message": message} for field, message in problems]


def problem_of(exc: RegistrationError) -> Problem:
    """The HTTP answer to a refusal of registration's domain or service layer."""
    if isinstance(exc, InvalidInput):
        return Problem(422, exc.title, exc.detail, errors=_fields(exc.problems))
    if isinstance(exc, Conflict):
        return Problem(409, exc.title, exc.detail, errors=_fields(exc.problems) or None)
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", exc.detail)
    if isinstance(exc, AlreadyExists):
        return Problem(409, exc.title, exc.detail, errors=_fields([(exc.field, exc.message)]))
    return Problem(400, "Refused", str(exc))


class RegistrationRoute(APIRoute):
    """Routes whose refusals become problem+json, so each endpoint stays a thin call."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RegistrationError as exc:
                raise problem_of(exc) from exc

        return route
