"""Registration's service-layer refusals as problem+json: which status and which fields."""

from __future__ import annotations

from services.registration.service_layer.errors import InvalidInput, NotFound, RegistrationError
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
    return Problem(400, "Refused", str(exc))
