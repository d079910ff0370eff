"""Domain and service-layer refusals as problem+json: which status, title and field each one gets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.notifications.domain.errors import AddressNotDeliverable, NotificationsError
from services.notifications.service_layer.errors import AlreadyExists, NotFound
from shared.problems import Problem


def problem_for(exc: NotificationsError) -> Problem:
    """The HTTP answer to a refusal of the notifications domain or service layer."""
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", exc.detail)
    if isinstance(exc, AlreadyExists):
        return Problem(
            409, exc.title, f"{exc.field}: {exc.message}", errors=[{"field": exc.field, "message": exc.short}]
        )
    if isinstance(exc, AddressNotDeliverable):
        return Problem(
            422,
            "Address cannot be delivered",
            f"{exc.field}: {exc.message}",
            errors=[
                {
                    "field": exc.field,
                    "message": "the mail server cannot deliver to this address (no SMTPUTF8)",
                }
            ],
        )
    return Problem(422, "Refused", str(exc))


class NotificationsRoute(APIRoute):
    """Routes whose refusals become problem+json, so each endpoint stays a thin call."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except NotificationsError as exc:
                raise problem_for(exc) from exc

        return route
