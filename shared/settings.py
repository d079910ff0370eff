"""Settings every service reads from the environment (pydantic-settings).

Each service subclasses :class:`ServiceSettings` in its own ``config.py`` to set its
name, port and database; everything else is shared so operators learn one set of
variables.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "mentorweb-dev-secret-change-me-0123456789"
# Signs unsubscribe (and any other login-free) links; never the JWT secret, so that a deployment whose
# tokens come from an identity provider still has a secret of its own for links.
DEV_LINK_SIGNING_KEY = "mentorweb-dev-link-key-change-me-0123456789"
_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "secret",
    "password",
    "guest",
    "postgres",
    "mentorweb",
    DEV_JWT_SECRET,
    DEV_LINK_SIGNING_KEY,
}
MIN_SECRET_LENGTH = 32
# Mail domains that cannot be a real sender (RFC 2606, RFC 6762).
_PLACEHOLDER_MAIL_DOMAINS = (".local", ".localhost", ".invalid", ".test", ".example", "example.com")


def _weak(secret: str | None) -> bool:
    return secret is None or secret.strip().lower() in _PLACEHOLDERS or len(secret) < MIN_SECRET_LENGTH


def _url_password_placeholder(url: str) -> bool:
    """No password, or a well-known one (guest:guest, postgres:postgres, trust authentication)."""
    parts = urlsplit(url.replace("+asyncpg", ""))
    password = parts.password
    return not password or password.lower() in _PLACEHOLDERS or password.lower() == (parts.username or "")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # What this service does with the placeholders checked in production: only a service that sends
    # mail needs a real relay, only one that signs links needs link keys.
    sends_mail: ClassVar[bool] = False
    signs_links: ClassVar[bool] = False

    service_name: str = "mentorweb"
    mentorweb_env: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    # One broker, or the nodes of a cluster separated by commas: services connect to the first that
    # answers and move to the next when it goes away (shared/bus/connection.py).
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    bus_prefix: str = "mentorweb"
    prefetch: int = Field(default=32, ge=1, le=1000)
    # Attempts a handler gets before its message is dead-lettered with the reason;
    # the queue's x-delivery-limit is a broker-side backstop above it.
    max_handler_attempts: int = Field(default=5, ge=1)
    queue_delivery_limit: int = Field(default=10, ge=1)
    # Group commit (shared/bus/group_commit.py): events delivered together are handled in one
    # transaction of at most this many, with at most ``consumer_committers`` transactions at once.
    consumer_batch_size: int = Field(default=64, ge=1, le=1000)
    consumer_committers: int = Field(default=2, ge=1, le=32)

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb"
    database_pool_size: int = 5

    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str | None = None

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithms: str = "HS256"
    jwt_jwks_url: str | None = None
    # Keys fetched from JWT_JWKS_URL are kept this long; a token naming an unknown key (the provider
    # rotated) fetches them again at once, but at most once per JWT_JWKS_MIN_REFRESH_SECONDS.
    jwt_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    jwt_jwks_min_refresh_seconds: float = Field(default=10.0, ge=0)
    jwt_jwks_timeout_seconds: float = Field(default=5.0, gt=0)
    jwt_audience: str = "mentorweb"
    jwt_issuer: str = "mentorweb-dev"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Mentorweb <no-reply@mentorweb.local>"

    # Keys that sign login-free links (unsubscribe), comma-separated: the first signs, every one
    # verifies. Rotate by putting the new key first and keeping the old one until its links expire.
    # Links are valid for a year (services/notifications/service_layer/preferences.py).
    link_signing_keys: str = Field(default=DEV_LINK_SIGNING_KEY, pattern=r"[^,\s]")

    # Rate limits (shared/ratelimit.py), shared by every replica through Redis. Each is a list in the
    # `limits` notation ("300/minute;30/second"); "per token" counts a bearer token, "per address"
    # the client's address (behind a proxy: uvicorn's FORWARDED_ALLOW_IPS).
    # Unset: on, except in the test environment (whose load tests write far faster than people);
    # the tests of the limits themselves turn them on.
    rate_limits_enabled: bool | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_sign_in_per_address: str = "20/minute"
    rate_limit_scim: str = "1200/minute;100/second"
    rate_limit_scim_per_address: str = "2400/minute"
    rate_limit_import: str = "30/minute"
    rate_limit_import_per_address: str = "60/minute"
    rate_limit_write: str = "600/minute"
    rate_limit_write_per_address: str = "3000/minute"
    # When Redis cannot be reached, let requests through (and log it) rather than refuse everyone.
    rate_limit_fail_open: bool = True

    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval: float = 0.5
    # A message the broker returns (no queue took it) is kept pending and sent again for this long
    # after its first return: right after a broker restart the queues may not be routable yet. After
    # it, the event is taken to have no subscriber (a legitimate pub/sub outcome) and marked
    # published with that note.
    relay_unroutable_grace_seconds: float = Field(default=120.0, ge=0)
    # Bus pruning (shared/bus/pruning.py): published outbox rows and inbox entries older than the
    # horizon are deleted, every interval, by whichever replica claims the job (0 turns it off). The
    # horizon must outlast any redelivery or replay of an event, or a late copy would be handled again.
    bus_prune_horizon_seconds: float = Field(default=30 * 24 * 3600.0, ge=60)
    bus_prune_interval_seconds: float = Field(default=3600.0, ge=0)
    bus_prune_batch_size: int = Field(default=5000, ge=1)
    # Retention of the audit stream (shared/bus/audit.py), RabbitMQ's x-max-age: a number and one of
    # Y, M, D, h, m, s. Applies when the stream is first declared; later, change it with a policy.
    audit_max_age: str = Field(default="400D", pattern=r"^[1-9][0-9]*(Y|M|D|h|m|s)$")

    @property
    def rate_limits_active(self) -> bool:
        if self.rate_limits_enabled is None:
            return self.mentorweb_env != "test"
        return self.rate_limits_enabled

    @property
    def link_keys(self) -> list[str]:
        """Link-signing keys, newest (the one that signs) first."""
        return [k.strip() for k in self.link_signing_keys.split(",") if k.strip()]

    @property
    def link_signing_key(self) -> str:
        return self.link_keys[0]

    def placeholder_problems(self) -> list[str]:
        """Every setting that still holds a development placeholder, one line each (empty when none)."""
        problems: list[str] = []
        if self.jwt_jwks_url:
            if any(a.strip().upper().startswith("HS") for a in self.jwt_algorithms.split(",")):
                problems.append(
                    "JWT_ALGORITHMS: with JWT_JWKS_URL only asymmetric algorithms (RS256, ES256…)"
                )
        elif _weak(self.jwt_secret):
            problems.append(
                f"JWT_SECRET: a strong secret of at least {MIN_SECRET_LENGTH} characters, or JWT_JWKS_URL"
            )
        if self.signs_links and (not self.link_keys or any(_weak(k) for k in self.link_keys)):
            problems.append(
                f"LINK_SIGNING_KEYS: strong keys of at least {MIN_SECRET_LENGTH} characters, "
                "not the development key"
            )
        if any(_url_password_placeholder(url) for url in self.rabbitmq_url.split(",") if url.strip()):
            problems.append("RABBITMQ_URL: the broker's own user and password, not guest:guest")
        if _url_password_placeholder(self.database_url):
            problems.append("DATABASE_URL: a database user with a password (no trust authentication)")
        if self.sends_mail:
            sender = self.smtp_from.rsplit("@", 1)[-1].strip(" >").lower()
            if sender.endswith(_PLACEHOLDER_MAIL_DOMAINS):
                problems.append("SMTP_FROM: an address of a real mail domain the board's relay accepts")
            if self.smtp_host in ("127.0.0.1", "localhost") and self.smtp_port == 1025:
                problems.append("SMTP_HOST/SMTP_PORT: the mail relay, not the development mail catcher")
            if self.smtp_username and (not self.smtp_password or self.smtp_password.lower() in _PLACEHOLDERS):
                problems.append("SMTP_PASSWORD: the relay's password for SMTP_USERNAME")
        return problems

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        # In production a default or guessable secret is a deployment error, not a warning; all of them
        # are named at once so an operator fixes the configuration in one go.
        if self.mentorweb_env == "production":
            problems = self.placeholder_problems()
            if problems:
                raise ValueError(
                    "production refuses development placeholders; set:\n  - " + "\n  - ".join(problems)
                )
        return self

    @property
    def exchange_name(self) -> str:
        return f"{self.bus_prefix}.events"

    @property
    def dead_letter_exchange_name(self) -> str:
        return f"{self.bus_prefix}.dlx"

    @property
    def queue_name(self) -> str:
        return f"{self.bus_prefix}.{self.service_name}"

    @property
    def dead_letter_queue_name(self) -> str:
        return f"{self.queue_name}.dlq"
