"""A signed-in (or not yet signed-in) visitor's session, held server-side; the browser holds only its id."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

CONSOLE_ROLES = ("province_admin", "board_coordinator")


@dataclass(frozen=True)
class SignedInUser:
    subject: str
    name: str
    roles: frozenset[str]
    board: str | None = None
    participant_id: str | None = None  # for participants: their registration id (the token's claim)

    @property
    def is_participant(self) -> bool:
        """A beginning teacher, new school leader or mentor with their own id: the portal is theirs."""
        return "participant" in self.roles and self.participant_id is not None

    def may_sign_in(self) -> bool:
        return self.may_use_console() or self.is_participant

    @property
    def is_province_admin(self) -> bool:
        return "province_admin" in self.roles

    def may_use_console(self) -> bool:
        """The console is for province staff and board coordinators; participants get the portal."""
        return bool(self.roles.intersection(CONSOLE_ROLES))

    def may_see_board(self, board: str) -> bool:
        """A coordinator sees their own board only (the APIs enforce it too); province staff see all."""
        return self.is_province_admin or (self.board is not None and self.board == board)

    def home_board(self) -> str | None:
        return None if self.is_province_admin else self.board


def user_from_claims(claims: dict[str, Any]) -> SignedInUser:
    """The user a token's claims describe (the same claims the services read)."""
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    name = claims.get("name") or claims.get("preferred_username") or claims.get("sub") or ""
    board = claims.get("board")
    participant = claims.get("participant_id")
    return SignedInUser(
        subject=str(claims.get("sub", "")),
        name=str(name),
        roles=frozenset(str(r) for r in roles),
        board=str(board) if board else None,
        participant_id=str(participant) if participant else None,
    )


@dataclass(frozen=True)
class ApiTokens:
    """What the console sends to the services on the user's behalf; never leaves the server."""

    access_token: str
    expires_at: datetime
    refresh_token: str | None = None
    id_token: str | None = None

    def needs_refresh(self, now: datetime, margin: timedelta = timedelta(seconds=60)) -> bool:
        return now >= self.expires_at - margin


@dataclass(frozen=True)
class PendingLogin:
    """An OpenID Connect authorization request in flight (state, nonce and the PKCE verifier)."""

    state: str
    nonce: str
    code_verifier: str
    return_to: str = "/"


@dataclass(frozen=True)
class ConsoleSession:
    id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    language: str = "en"
    user: SignedInUser | None = None
    tokens: ApiTokens | None = None
    pending: PendingLogin | None = None
    via: str | None = None  # "dev" or "oidc": how the user signed in (decides sign-out)
    data: dict[str, Any] = field(default_factory=dict)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def signed_in(self, user: SignedInUser, tokens: ApiTokens, via: str) -> ConsoleSession:
        return replace(self, user=user, tokens=tokens, pending=None, via=via)


def csrf_matches(session: ConsoleSession, presented: str | None) -> bool:
    """A form's CSRF token must equal the session's (constant-time comparison)."""
    if not presented:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), presented.encode())


def safe_return_path(path: str | None) -> str:
    """Only a path on this site may be returned to after sign-in or a language switch (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
