from __future__ import annotations

from pydantic import Field, model_validator

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "console"
    http_port: int = 8000
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_console"

    # The services' HTTP APIs, called with the signed-in user's token.
    registration_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    grants_url: str = "http://127.0.0.1:8004"
    evaluation_url: str = "http://127.0.0.1:8005"
    api_timeout_seconds: float = Field(default=15.0, gt=0)

    public_base_url: str = "http://127.0.0.1:8000"
    session_ttl_seconds: int = Field(default=8 * 3600, ge=60)

    # OpenID Connect (authorization code + PKCE) with the province's identity provider.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile mentorweb"
    # The resource (audience) the access tokens are for: the services verify aud=JWT_AUDIENCE.
    oidc_resource: str | None = None
    # A development/test provider on plain http; never in production.
    oidc_allow_insecure_http: bool = False

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def dev_sign_in_enabled(self) -> bool:
        return self.mentorweb_env != "production"

    @property
    def secure_cookies(self) -> bool:
        # Browsers accept Secure cookies from http://localhost and 127.0.0.1, so tests keep the flag too.
        return self.mentorweb_env != "development"

    @model_validator(mode="after")
    def _production_needs_oidc(self) -> Settings:
        if self.mentorweb_env == "production":
            if not self.oidc_enabled:
                raise ValueError("OIDC_ISSUER and OIDC_CLIENT_ID must be set in production")
            if self.oidc_allow_insecure_http:
                raise ValueError("OIDC_ALLOW_INSECURE_HTTP is refused in production")
        return self
