"""RFC 9457 problem+json errors for every API, naming the field at fault."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.bus.errors import describe_error, error_chain, is_transient
from shared.telemetry import scrub_path

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        type_: str = "about:blank",
    ):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.type = type_

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return body


def field_problem(field: str, message: str, status: int = 422) -> Problem:
    return Problem(
        status, "Invalid input", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(str(request.url.path) if request else None),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path")) or "body",
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(Problem(422, "Invalid input", detail, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            Problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)), request
        )

    app.add_middleware(UnexpectedErrors)


def problem_for_unexpected(exc: BaseException) -> Problem:
    """The answer for an exception no route handled: 503 when a backing service is away, 422 when
    the database refused a value (a NUL character, a number out of range), else 500."""
    if is_transient(exc):
        # The database or broker is briefly unreachable: tell clients when to retry.
        return Problem(
            503,
            "Service unavailable",
            "A backing service is unreachable; retry shortly.",
            headers={"Retry-After": "5"},
        )
    if any(str(getattr(e, "sqlstate", "") or "").startswith("22") for e in error_chain(exc)):
        return Problem(
            422,
            "Invalid input",
            "A value could not be stored (for example a NUL character or a number out of range).",
        )
    return Problem(500, "Internal error", "An unexpected error occurred.")


class UnexpectedErrors:
    """Turns any unhandled exception into problem+json, and logs it without its message's data.

    Starlette's own error middleware would log the full exception text (which, for database errors,
    includes the SQL parameters: names, emails); this one logs the safe description and the stack.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            problem = problem_for_unexpected(exc)
            if problem.status == 500:
                log.error(
                    "unhandled %s on %s %s\n%s",
                    describe_error(exc),
                    scope.get("method"),
                    scrub_path(scope.get("path", "")),  # a path may carry personal data
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
            if started:
                raise
            response = JSONResponse(
                problem.body(scope.get("path")),
                status_code=problem.status,
                media_type=PROBLEM_JSON,
                headers=problem.headers,
            )
            await response(scope, receive, send)
