"""The console's errors as pages, in one place: status codes and wording for each service error."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.console.service_layer.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    SignInFailed,
    Unavailable,
)

STATUS = {NotFound: 404, Forbidden: 403, InvalidInput: 422, Unavailable: 503, SignInFailed: 400}
KIND = {404: "not_found", 403: "forbidden", 422: "invalid", 503: "unavailable", 400: "sign_in_failed"}


def install(app: FastAPI) -> None:
    from services.console.entrypoints.pages import render_error

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}", status_code=303)

    async def console_error(request: Request, exc: Exception) -> Response:
        status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
        return await render_error(request, status, KIND[status])

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in KIND:
            return await render_error(request, exc.status_code, KIND[exc.status_code])
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)

    async def unexpected(request: Request, exc: Exception) -> Response:
        return await render_error(request, 500, "unexpected")

    app.add_exception_handler(NotSignedIn, not_signed_in)
    for kind in STATUS:
        app.add_exception_handler(kind, console_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
