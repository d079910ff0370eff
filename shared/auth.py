"""Bearer-JWT authentication, roles and board scoping for every HTTP API.

Tokens carry ``sub``, ``roles`` (province_admin, board_coordinator, hr_integration,
participant), ``board`` (for board-scoped roles) and ``participant_id`` (for participants).
HS256 with a shared secret in development; RS256 through a JWKS URL for an OIDC provider.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import Problem
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

log = logging.getLogger(__name__)

Role = Literal["province_admin", "board_coordinator", "hr_integration", "participant"]
ROLES: tuple[Role, ...] = ("province_admin", "board_coordinator", "hr_integration", "participant")


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    board: str | None = None
    participant_id: uuid.UUID | None = None
    claims: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_province_admin(self) -> bool:
        return "province_admin" in self.roles

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def can_access_board(self, board: str) -> bool:
        return self.is_province_admin or (self.board is not None and self.board == board)

    def visible_boards(self) -> list[str] | None:
        """Boards this principal may see; None means every board (province staff)."""
        return None if self.is_province_admin else [self.board] if self.board else []

    @property
    def database_scope(self) -> tuple[str | None, Literal["board", "province"] | None]:
        """(board, scope) the row-level security policies give this principal's transactions:
        province staff see every board, anyone else their token's board, and nothing without one."""
        if self.is_province_admin:
            return None, "province"
        if self.board:
            return self.board, "board"
        return None, None


# The principal of the request being served, so the unit of work a route opens is scoped to it
# without every route passing it on (set by ``current_principal``; each request is its own task).
_request_principal: ContextVar[Principal | None] = ContextVar("mentorweb_principal", default=None)


def request_principal() -> Principal | None:
    """The authenticated principal of the current request, if any."""
    return _request_principal.get()


class JwksCache:
    """The identity provider's signing keys, fetched asynchronously (never blocking the event loop) and
    cached. A token naming a key the cache does not hold triggers one refresh (the provider rotated);
    concurrent requests share that refresh, and unknown keys cannot make it fetch more than once per
    ``min_refresh_seconds``."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 300.0,
        min_refresh_seconds: float = 10.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout_seconds = timeout_seconds
        self.clock = clock
        self.keys: dict[str | None, jwt.PyJWK] = {}
        self.fetched_at: float | None = None
        self.fetches = 0
        self._lock = asyncio.Lock()

    def _stale(self) -> bool:
        return self.fetched_at is None or self.clock() - self.fetched_at >= self.cache_seconds

    def _may_refresh(self) -> bool:
        return self.fetched_at is None or self.clock() - self.fetched_at >= self.min_refresh_seconds

    async def _fetch(self) -> None:
        self.fetches += 1
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            response = await client.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        keys: dict[str | None, jwt.PyJWK] = {}
        for data in document.get("keys", []):
            if data.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(data)
            except jwt.PyJWTError:
                continue  # a key type or algorithm this service cannot use
            keys[data.get("kid")] = key
        self.keys = keys
        self.fetched_at = self.clock()

    async def _refresh(self, *, unknown_kid: bool) -> None:
        seen = self.fetched_at
        async with self._lock:
            if self.fetched_at != seen:
                return  # another request refreshed while this one waited
            if unknown_kid and not self._may_refresh():
                return
            try:
                await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                if not self.keys:
                    raise Problem(
                        503,
                        "Identity provider unreachable",
                        "The keys that verify tokens could not be fetched; try again shortly.",
                        headers={"Retry-After": "5"},
                    ) from exc
                # Keep verifying with the keys we have; try again after the cooldown.
                self.fetched_at = self.clock() - self.cache_seconds + self.min_refresh_seconds
                log.warning("JWKS refresh failed (%s): keeping the cached keys", exc.__class__.__name__)

    async def key_for(self, token: str) -> jwt.PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise Problem(401, "Invalid token", f"The bearer token was refused: {exc}") from exc
        if self._stale():
            await self._refresh(unknown_kid=False)
        key = self._pick(kid)
        if key is None:
            await self._refresh(unknown_kid=True)
            key = self._pick(kid)
        if key is None:
            raise Problem(401, "Invalid token", "The bearer token was refused: its signing key is unknown.")
        return key

    def _pick(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self.keys) == 1:
            return next(iter(self.keys.values()))
        return self.keys.get(kid)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.algorithms = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        if "none" in (a.lower() for a in self.algorithms):
            raise ValueError("the 'none' algorithm is never accepted")
        self.jwks = (
            JwksCache(
                settings.jwt_jwks_url,
                cache_seconds=settings.jwt_jwks_cache_seconds,
                min_refresh_seconds=settings.jwt_jwks_min_refresh_seconds,
                timeout_seconds=settings.jwt_jwks_timeout_seconds,
            )
            if settings.jwt_jwks_url
            else None
        )

    async def authenticate(self, token: str) -> Principal:
        """Verify a bearer token; with a JWKS URL its key comes from the (asynchronously refreshed) cache."""
        if self.jwks is None:
            return self.verify(token)
        key = await self.jwks.key_for(token)
        return self._principal(self._decode(token, key.key))

    def verify(self, token: str) -> Principal:
        """Verify a token signed with the shared secret (development, tests, tools)."""
        if self.jwks is not None:
            raise RuntimeError("with a JWKS URL, tokens are verified by `await authenticate(token)`")
        return self._principal(self._decode(token, self.settings.jwt_secret))

    def _decode(self, token: str, key: str | bytes | AllowedPublicKeys) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "Invalid token", f"The bearer token was refused: {exc}") from exc

    def _principal(self, claims: dict[str, Any]) -> Principal:
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        known = frozenset(r for r in roles if r in ROLES)
        if not known:
            raise Problem(403, "No role", "The token carries no Mentorweb role.")
        participant = claims.get("participant_id")
        try:
            participant_id = uuid.UUID(str(participant)) if participant else None
        except ValueError as exc:
            raise Problem(401, "Invalid token", "participant_id claim is not a UUID") from exc
        return Principal(
            subject=str(claims["sub"]),
            roles=known,
            board=claims.get("board"),
            participant_id=participant_id,
            claims=claims,
        )


def mint_token(
    settings: ServiceSettings,
    *,
    subject: str,
    roles: list[str],
    board: str | None = None,
    participant_id: uuid.UUID | str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """Sign a development token with the HS256 secret (the CLI's ``token`` command)."""
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject,
        "roles": roles,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if board:
        claims["board"] = board
    if participant_id:
        claims["participant_id"] = str(participant_id)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Authentication required", "Send a bearer token in the Authorization header.")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.authenticate(credentials.credentials)
    _request_principal.set(principal)
    return principal


def require_roles(*roles: Role):
    """FastAPI dependency: the caller must hold one of ``roles``."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, "Forbidden", f"This action needs one of the roles: {', '.join(roles)}.")
        return principal

    return dependency


def ensure_board(principal: Principal, board: str) -> None:
    """Refuse access to another board's data; 404 so ids of other boards are not even confirmed."""
    if not principal.can_access_board(board):
        raise Problem(404, "Not found", "No such resource in your board.")
