"""The services' HTTP APIs, called with the signed-in user's bearer token (httpx)."""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any, Literal

import httpx

from services.console.config import Settings

log = logging.getLogger(__name__)
Service = Literal["registration", "matching", "notifications", "grants", "evaluation"]


# The (start, end) of every API call made for the current request, for the Server-Timing header.
api_calls: contextvars.ContextVar[list[tuple[float, float]] | None] = contextvars.ContextVar(
    "api_calls", default=None
)


def api_wall_seconds(calls: list[tuple[float, float]]) -> float:
    """Time during which at least one API call was in flight (parallel calls counted once)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(calls):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


class ApiError(Exception):
    """A service answered with an error (its problem+json kept as is), or could not be reached (status 0)."""

    def __init__(self, status: int, problem: dict[str, Any]):
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str | None:
        detail = self.problem.get("detail")
        return str(detail) if detail else None


class ServicesApi:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self.bases: dict[str, str] = {
            "registration": settings.registration_url.rstrip("/"),
            "matching": settings.matching_url.rstrip("/"),
            "notifications": settings.notifications_url.rstrip("/"),
            "grants": settings.grants_url.rstrip("/"),
            "evaluation": settings.evaluation_url.rstrip("/"),
        }
        self.client = httpx.AsyncClient(
            timeout=settings.api_timeout_seconds,
            transport=transport,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        language: str | None = None,
        files: Any = None,
        data: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if language:
            headers["Accept-Language"] = language
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        started = time.perf_counter()
        try:
            response = await self.client.request(
                method,
                f"{self.bases[service]}{path}",
                params=clean,
                json=json,
                headers=headers,
                files=files,
                data=data,
                content=content,
            )
        except httpx.HTTPError as exc:
            log.warning("%s %s %s failed: %s", service, method, path, exc.__class__.__name__)
            raise ApiError(
                0, {"title": "Service unreachable", "detail": f"{service}: {exc.__class__.__name__}"}
            ) from exc
        calls = api_calls.get()
        if calls is not None:
            calls.append((started, time.perf_counter()))
        if response.status_code >= 500:
            log.warning("%s %s %s answered %s", service, method, path, response.status_code)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            if not isinstance(problem, dict):
                problem = {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def get(self, service: Service, path: str, token: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, token, params=params)

    async def post(self, service: Service, path: str, token: str, body: Any, **params: Any) -> Any:
        return await self.call(service, "POST", path, token, params=params, json=body)

    async def download(
        self, service: Service, path: str, token: str, **params: Any
    ) -> tuple[bytes, str, str]:
        """A file a service renders (a report's PDF or CSV): its bytes, media type and file name."""
        headers = {"Authorization": f"Bearer {token}"}
        clean = {k: v for k, v in params.items() if v is not None and v != ""}
        started = time.perf_counter()
        try:
            response = await self.client.get(f"{self.bases[service]}{path}", params=clean, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("%s GET %s failed: %s", service, path, exc.__class__.__name__)
            raise ApiError(
                0, {"title": "Service unreachable", "detail": f"{service}: {exc.__class__.__name__}"}
            ) from exc
        calls = api_calls.get()
        if calls is not None:
            calls.append((started, time.perf_counter()))
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})
        disposition = response.headers.get("content-disposition", "")
        name = disposition.split('filename="', 1)[1].rstrip('"') if 'filename="' in disposition else "report"
        return response.content, response.headers.get("content-type", "application/octet-stream"), name
