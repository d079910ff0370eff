"""Bearer-JWT authentication, roles and board scoping for every HTTP API.

Tokens carry ``sub``, ``roles`` (province_admin, board_coordinator, hr_integration,
participant), ``board`` (for board-scoped roles) and ``participant_id`` (for participants).
HS256 with a shared secret in development; RS256 through a JWKS URL for an OIDC provider.
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import Problem
from shared.settings import ServiceSettings

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


class TokenVerifier:
    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.algorithms = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        if "none" in (a.lower() for a in self.algorithms):
            raise ValueError("the 'none' algorithm is never accepted")
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            key: object = (
                self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self.settings.jwt_secret
            )
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=self.algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "Invalid token", f"The bearer token was refused: {exc}") from exc
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
    principal = verifier.verify(credentials.credentials)
    _request_principal.set(principal)
    return principal


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
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
