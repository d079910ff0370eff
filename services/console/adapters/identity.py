"""Where API tokens come from: the province's OpenID provider (authorization code + PKCE, through
Authlib), or, in development only, tokens minted with the services' shared secret."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from services.console.config import Settings
from services.console.domain.session import ApiTokens, PendingLogin
from shared.auth import mint_token


class IdentityError(Exception):
    """The provider refused or the answer did not verify (state, nonce, signature, audience)."""


def dev_tokens(
    settings: Settings, *, subject: str, roles: list[str], board: str | None, now: datetime
) -> ApiTokens:
    """A development token the services accept (HS256 with their shared secret); never in production."""
    if not settings.dev_sign_in_enabled:
        raise IdentityError("development sign-in is refused in production")
    ttl = min(settings.session_ttl_seconds, 3600)
    token = mint_token(settings, subject=subject, roles=roles, board=board, ttl_seconds=ttl)
    return ApiTokens(access_token=token, expires_at=now + timedelta(seconds=ttl))


class OidcClient:
    def __init__(self, settings: Settings):
        if not settings.oidc_issuer or not settings.oidc_client_id:
            raise ValueError("OIDC is not configured")
        self.settings = settings
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.redirect_uri = f"{settings.public_base_url.rstrip('/')}/auth/callback"
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret,
            scope=self.settings.oidc_scopes,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.settings.oidc_client_secret else "none",
            timeout=10,
        )

    async def metadata(self) -> dict[str, Any]:
        async with self._lock:
            if self._metadata is None:
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                    response.raise_for_status()
                    found = response.json()
                if found.get("issuer", "").rstrip("/") != self.issuer:
                    raise IdentityError("the provider's metadata names another issuer")
                self._metadata = found
                self._jwks = jwt.PyJWKClient(found["jwks_uri"])
            return self._metadata

    async def authorization_url(self, return_to: str) -> tuple[str, PendingLogin]:
        meta = await self.metadata()
        pending = PendingLogin(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=generate_token(64),
            return_to=return_to,
        )
        extra: dict[str, str] = {"nonce": pending.nonce}
        if self.settings.oidc_resource:
            extra["resource"] = self.settings.oidc_resource
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.code_verifier,
                **extra,
            )
        return url, pending

    async def exchange(
        self, pending: PendingLogin, *, code: str, state: str, now: datetime
    ) -> tuple[ApiTokens, dict[str, Any]]:
        """The code for tokens; returns them with the verified ID token's claims."""
        if not secrets.compare_digest(pending.state, state):
            raise IdentityError("state does not match")
        meta = await self.metadata()
        extra: dict[str, str] = {}
        if self.settings.oidc_resource:
            extra["resource"] = self.settings.oidc_resource
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    meta["token_endpoint"],
                    code=code,
                    code_verifier=pending.code_verifier,
                    redirect_uri=self.redirect_uri,
                    **extra,
                )
            except Exception as exc:  # Authlib raises its OAuthError, httpx its HTTPError
                raise IdentityError(f"token exchange refused: {exc.__class__.__name__}: {exc}") from exc
        claims = await self.verify_id_token(str(token.get("id_token", "")), nonce=pending.nonce)
        return self._tokens(token, now), claims

    async def refresh(self, refresh_token: str, now: datetime) -> ApiTokens:
        meta = await self.metadata()
        extra: dict[str, str] = {}
        if self.settings.oidc_resource:
            extra["resource"] = self.settings.oidc_resource
        async with self._client() as client:
            try:
                # No scope: the refreshed token keeps what was granted (RFC 6749 §6).
                token = await client.refresh_token(
                    meta["token_endpoint"], refresh_token=refresh_token, scope=None, **extra
                )
            except Exception as exc:
                raise IdentityError(f"refresh refused: {exc.__class__.__name__}: {exc}") from exc
        tokens = self._tokens(token, now)
        if tokens.refresh_token is None:
            tokens = ApiTokens(tokens.access_token, tokens.expires_at, refresh_token, tokens.id_token)
        return tokens

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        await self.metadata()
        assert self._jwks is not None
        try:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "PS256", "ES256"],
                audience=self.settings.oidc_client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise IdentityError(f"ID token refused: {exc}") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise IdentityError("nonce does not match")
        return claims

    async def end_session_url(self, id_token: str | None, post_logout: str) -> str | None:
        meta = await self.metadata()
        endpoint = meta.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": post_logout, "client_id": self.settings.oidc_client_id or ""}
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(params)}"

    @staticmethod
    def _tokens(token: dict[str, Any], now: datetime) -> ApiTokens:
        expires_at = token.get("expires_at")
        expiry = (
            datetime.fromtimestamp(float(expires_at), UTC)
            if expires_at
            else now + timedelta(seconds=int(token.get("expires_in", 300)))
        )
        return ApiTokens(
            access_token=str(token["access_token"]),
            expires_at=expiry,
            refresh_token=token.get("refresh_token"),
            id_token=token.get("id_token"),
        )
