"""Sessions: start one, sign in (development tokens or OpenID Connect), keep tokens fresh, sign out."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from services.console.adapters.identity import IdentityError, OidcClient, dev_tokens
from services.console.adapters.session_store import SessionStore, new_csrf_token, new_session_id
from services.console.config import Settings
from services.console.domain.language import LANGUAGES
from services.console.domain.session import ConsoleSession, SignedInUser, user_from_claims
from services.console.service_layer.errors import Forbidden, InvalidInput, NotFound, SignInFailed

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
BOARD_CODE = re.compile(r"^[A-Za-z0-9_-]{2,40}$")

# The development sign-in offers these people of the sample board (shared/sample_board.py: Elmwood, ELM).
DEV_PEOPLE: dict[str, dict[str, object]] = {
    "province": {"name": "Province staff (demo)", "roles": ["province_admin"], "board": None},
    "coordinator": {"name": "Induction coordinator (demo)", "roles": ["board_coordinator"], "board": "ELM"},
}


class Sessions:
    def __init__(self, store: SessionStore, settings: Settings, clock: Clock, oidc: OidcClient | None):
        self.store = store
        self.settings = settings
        self.clock = clock
        self.oidc = oidc

    def _fresh(self, language: str, session_id: str | None = None) -> ConsoleSession:
        now = self.clock()
        return ConsoleSession(
            id=session_id or new_session_id(),
            csrf_token=new_csrf_token(),
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.session_ttl_seconds),
            language=language if language in LANGUAGES else "en",
        )

    async def load(self, session_id: str | None) -> ConsoleSession | None:
        """The session behind a cookie, with its API token refreshed when it is about to expire."""
        if not session_id:
            return None
        now = self.clock()
        session = await self.store.get(session_id, now)
        if session is None:
            return None
        tokens = session.tokens
        if session.user is not None and tokens is not None and tokens.needs_refresh(now):
            if session.via == "oidc" and self.oidc is not None and tokens.refresh_token:
                try:
                    session = replace(session, tokens=await self.oidc.refresh(tokens.refresh_token, now))
                except IdentityError as exc:
                    log.warning("token refresh refused, session ended: %s", exc)
                    await self.store.delete(session.id)
                    return None
            elif session.via == "dev" and self.settings.dev_sign_in_enabled:
                user = session.user
                assert user is not None  # checked above; replace() hides it from the type checker
                session = replace(
                    session,
                    tokens=dev_tokens(
                        self.settings,
                        subject=user.subject,
                        roles=sorted(user.roles),
                        board=user.board,
                        now=now,
                    ),
                )
            else:
                await self.store.delete(session.id)
                return None
            await self.store.save(session)
        return session

    async def anonymous(self, language: str) -> ConsoleSession:
        session = self._fresh(language)
        await self.store.save(session)
        return session

    async def set_language(self, session: ConsoleSession, language: str) -> ConsoleSession:
        if language not in LANGUAGES or session.language == language:
            return session
        session = replace(session, language=language)
        await self.store.save(session)
        return session

    async def _rotate(
        self, old: ConsoleSession, user: SignedInUser, tokens: object, via: str
    ) -> ConsoleSession:
        # A new id and CSRF token at sign-in: a session id planted before sign-in is worth nothing after.
        await self.store.delete(old.id)
        session = self._fresh(old.language).signed_in(user, tokens, via)  # type: ignore[arg-type]
        await self.store.save(session)
        return session

    async def sign_in_dev(self, session: ConsoleSession, person: str, board: str | None) -> ConsoleSession:
        if not self.settings.dev_sign_in_enabled:
            raise NotFound("development sign-in")
        chosen = DEV_PEOPLE.get(person)
        if chosen is None:
            raise Forbidden("unknown person")
        roles = list(chosen["roles"])  # type: ignore[call-overload]
        if chosen["board"]:
            board = (board or str(chosen["board"])).strip()
            if not BOARD_CODE.fullmatch(board):
                raise InvalidInput({"board": "board_code"})
        else:
            board = None
        subject = f"dev-{person}" + (f"-{board}" if board else "")
        user = SignedInUser(subject=subject, name=str(chosen["name"]), roles=frozenset(roles), board=board)
        tokens = dev_tokens(self.settings, subject=subject, roles=roles, board=board, now=self.clock())
        return await self._rotate(session, user, tokens, "dev")

    async def begin_oidc(self, session: ConsoleSession, return_to: str) -> tuple[ConsoleSession, str]:
        if self.oidc is None:
            raise NotFound("OpenID Connect is not configured")
        url, pending = await self.oidc.authorization_url(return_to)
        session = replace(session, pending=pending)
        await self.store.save(session)
        return session, url

    async def complete_oidc(self, session: ConsoleSession, *, code: str, state: str) -> ConsoleSession:
        if self.oidc is None:
            raise NotFound("OpenID Connect is not configured")
        if session.pending is None:
            raise SignInFailed("no sign-in in progress")
        try:
            tokens, claims = await self.oidc.exchange(
                session.pending, code=code, state=state, now=self.clock()
            )
        except IdentityError as exc:
            raise SignInFailed(str(exc)) from exc
        user = user_from_claims(claims)
        if not user.may_sign_in():
            raise Forbidden("no console role and no participant id")
        signed_in = await self._rotate(session, user, tokens, "oidc")
        return replace(signed_in, pending=session.pending)

    async def sign_out(self, session: ConsoleSession) -> str | None:
        """Ends the session here; returns the provider's end-session URL when signed in through it."""
        await self.store.delete(session.id)
        if session.via == "oidc" and self.oidc is not None:
            tokens = session.tokens
            return await self.oidc.end_session_url(
                tokens.id_token if tokens else None, f"{self.settings.public_base_url.rstrip('/')}/signed-out"
            )
        return None
