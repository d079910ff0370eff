"""Request rate limits per bearer token and per client address, shared by every replica through Redis.

Four kinds of request are limited, each with its own budget (ServiceSettings.rate_limit_*): sign-in,
SCIM, HR imports, and every other write (POST, PUT, PATCH, DELETE). A request over a budget gets
429 problem+json with ``Retry-After``. The counts live in Redis (the `limits` library's moving window,
exact across replicas), under the bus prefix so that test runs never share counters. A token is
counted by a hash of itself: a forged token carrying someone's subject cannot spend their budget.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import PROBLEM_JSON
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

Kind = Literal["sign_in", "scim", "import", "write"]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGN_IN_PATHS = ("/dev/sign-in", "/auth/login", "/auth/callback")


def kind_of(method: str, path: str) -> Kind | None:
    """Which budget a request spends, if any (reads other than SCIM and sign-in are not limited)."""
    if path.startswith(SIGN_IN_PATHS):
        return "sign_in" if method in WRITE_METHODS or path.startswith("/auth/") else None
    if path.startswith("/scim/"):
        return "scim"
    if method not in WRITE_METHODS:
        return None
    if "imports" in path.split("/"):
        return "import"
    return "write"


@dataclass(frozen=True)
class Budget:
    per_token: list[RateLimitItem]
    per_address: list[RateLimitItem]


def budgets(settings: ServiceSettings) -> dict[Kind, Budget]:
    return {
        "sign_in": Budget([], parse_many(settings.rate_limit_sign_in_per_address)),
        "scim": Budget(
            parse_many(settings.rate_limit_scim), parse_many(settings.rate_limit_scim_per_address)
        ),
        "import": Budget(
            parse_many(settings.rate_limit_import), parse_many(settings.rate_limit_import_per_address)
        ),
        "write": Budget(
            parse_many(settings.rate_limit_write), parse_many(settings.rate_limit_write_per_address)
        ),
    }


@dataclass(frozen=True)
class Refusal:
    kind: Kind
    limit: RateLimitItem
    by: Literal["token", "address"]
    retry_after: int


class RequestRateLimiter:
    """Counts requests in Redis and says whether one is over its budget."""

    def __init__(self, settings: ServiceSettings, storage: Storage | None = None):
        self.settings = settings
        self.budgets = budgets(settings)
        self.storage = storage or RedisStorage(
            f"async+{settings.redis_url}",
            key_prefix=f"{settings.bus_prefix}:ratelimit:{settings.service_name}",
            wrap_exceptions=True,
            # A slow or unreachable Redis must not hold requests up for long (then: fail open).
            connect_timeout=1.0,
            stream_timeout=1.0,
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.refused = 0
        self._warned_at = 0.0

    async def check(self, kind: Kind, token: str | None, address: str | None) -> Refusal | None:
        """Spend one request of ``kind``; the first budget exceeded, or None."""
        budget = self.budgets[kind]
        counted: list[tuple[RateLimitItem, Literal["token", "address"], str]] = []
        if token:
            digest = hashlib.sha256(token.encode()).hexdigest()[:32]
            counted += [(item, "token", digest) for item in budget.per_token]
        if address:
            counted += [(item, "address", address) for item in budget.per_address]
        try:
            for item, by, who in counted:
                if not await self.limiter.hit(item, kind, by, who):
                    stats = await self.limiter.get_window_stats(item, kind, by, who)
                    self.refused += 1
                    return Refusal(kind, item, by, max(1, math.ceil(stats.reset_time - time.time())))
        except Exception as exc:  # Redis unreachable or failing
            log.debug("rate limit check failed", exc_info=True)
            if not self.settings.rate_limit_fail_open:
                return Refusal(kind, counted[0][0], counted[0][1], 5) if counted else None
            if time.monotonic() - self._warned_at > 30:
                self._warned_at = time.monotonic()
                log.warning("rate limits not enforced: Redis unavailable (%s)", exc.__class__.__name__)
        return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials.strip() or None if scheme.lower() == "bearer" else None
    return None


class RateLimitMiddleware:
    """ASGI middleware: refuse a request over its budget before any route, body parsing or database."""

    def __init__(self, app: ASGIApp, limiter: RequestRateLimiter):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = kind_of(scope["method"], scope["path"])
        if kind is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        refusal = await self.limiter.check(kind, _bearer(scope), client[0] if client else None)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await _too_many_requests(refusal, scope["path"], send)


async def _too_many_requests(refusal: Refusal, path: str, send: Send) -> None:
    what = {"sign_in": "sign-in attempts", "scim": "SCIM requests", "import": "imports", "write": "changes"}
    per = "bearer token" if refusal.by == "token" else "client address"
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Too many requests",
            "status": 429,
            "detail": f"At most {refusal.limit.amount} {what[refusal.kind]} per "
            f"{refusal.limit.multiples} {refusal.limit.GRANULARITY.name} for one {per}; "
            f"retry after {refusal.retry_after} s.",
            "instance": path,
        }
    ).encode()
    message: Message = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(refusal.retry_after).encode()),
        ],
    }
    await send(message)
    await send({"type": "http.response.body", "body": body})


def install_rate_limits(app: Starlette, settings: ServiceSettings) -> RequestRateLimiter | None:
    """Add the middleware to a FastAPI/Starlette app when the settings turn rate limits on."""
    if not settings.rate_limits_active:
        return None
    limiter = RequestRateLimiter(settings)
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    return limiter
