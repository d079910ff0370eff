"""Settings every service reads from the environment (pydantic-settings).

Each service subclasses :class:`ServiceSettings` in its own ``config.py`` to set its
name, port and database; everything else is shared so operators learn one set of
variables.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "mentorweb-dev-secret-change-me-0123456789"
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", DEV_JWT_SECRET}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    service_name: str = "mentorweb"
    mentorweb_env: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

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
    jwt_audience: str = "mentorweb"
    jwt_issuer: str = "mentorweb-dev"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Mentorweb <no-reply@mentorweb.local>"

    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval: float = 0.5
    # A message the broker returns (no queue took it) is kept pending and sent again for this long
    # after its first return: right after a broker restart the queues may not be routable yet. After
    # it, the event is taken to have no subscriber (a legitimate pub/sub outcome) and marked
    # published with that note.
    relay_unroutable_grace_seconds: float = Field(default=120.0, ge=0)
    # Retention of the audit stream (shared/bus/audit.py), RabbitMQ's x-max-age: a number and one of
    # Y, M, D, h, m, s. Applies when the stream is first declared; later, change it with a policy.
    audit_max_age: str = Field(default="400D", pattern=r"^[1-9][0-9]*(Y|M|D|h|m|s)$")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        # Outside development a default or guessable secret is a deployment error, not a warning.
        if self.mentorweb_env == "production" and not self.jwt_jwks_url:
            if self.jwt_secret in _PLACEHOLDERS or len(self.jwt_secret) < 32:
                raise ValueError("JWT_SECRET must be set to a strong secret (>= 32 chars) in production")
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
