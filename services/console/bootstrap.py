"""Wires the console: settings, session store, the services' APIs, identity, templates and routes."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.console.adapters.identity import OidcClient
from services.console.adapters.rendering import Renderer
from services.console.adapters.services_api import ServicesApi, api_calls, api_wall_seconds
from services.console.adapters.session_store import SessionStore
from services.console.config import Settings
from services.console.entrypoints import calendar as calendar_pages
from services.console.entrypoints import evaluation, problems
from services.console.entrypoints import grants as grant_pages
from services.console.entrypoints import messages as message_pages
from services.console.entrypoints import visits as visit_pages
from services.console.entrypoints import workshops as workshop_pages
from services.console.entrypoints.pages import router
from services.console.entrypoints.portal import router as portal_router
from services.console.service_layer.sessions import Sessions
from shared.db import make_engine
from shared.ratelimit import install_rate_limits

STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class Console:
    settings: Settings
    store: SessionStore
    sessions: Sessions
    api: ServicesApi
    renderer: Renderer


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.oidc_allow_insecure_http:
        # Authlib refuses plain-http providers unless told; only a development/test provider runs on http.
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    store = SessionStore(engine)
    oidc = OidcClient(settings) if settings.oidc_enabled else None
    console = Console(
        settings=settings,
        store=store,
        sessions=Sessions(store, settings, utc_now, oidc),
        api=ServicesApi(settings),
        renderer=Renderer(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.purge_expired(utc_now())
        yield
        await console.api.close()
        await engine.dispose()

    app = FastAPI(
        title="Mentorweb console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.console = console
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.include_router(evaluation.router)
    app.include_router(calendar_pages.router)
    app.include_router(workshop_pages.router)
    app.include_router(visit_pages.router)
    app.include_router(message_pages.router)
    app.include_router(grant_pages.router)
    app.include_router(portal_router)
    problems.install(app)
    # Sign-in attempts per client address, shared by every console replica (shared/ratelimit.py).
    install_rate_limits(app, settings)

    form_targets = " ".join(filter(None, ["'self'", settings.oidc_issuer]))
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        f"font-src 'self' data:; frame-ancestors 'none'; form-action {form_targets}"
    )

    @app.middleware("http")
    async def security_headers(request, call_next):  # type: ignore[no-untyped-def]
        calls: list[tuple[float, float]] = []
        token = api_calls.set(calls)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            api_calls.reset(token)
        # The page's own time beside the time its API calls took (bench/bench_console.py reads it).
        total = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = (
            f"total;dur={total:.1f}, api;dur={api_wall_seconds(calls) * 1000:.1f}, calls;dur={len(calls)}"
        )
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
