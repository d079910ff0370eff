"""Production refuses every development placeholder, in one place, naming each one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.notifications.config import Settings as NotificationSettings
from services.registration.config import Settings as RegistrationSettings
from shared.settings import DEV_JWT_SECRET, DEV_LINK_SIGNING_KEY, ServiceSettings

pytestmark = pytest.mark.unit
STRONG = "a-production-secret-that-is-long-enough-0123456789"
# What a province sets (deploy/README.md): none of it a placeholder.
PRODUCTION = {
    "mentorweb_env": "production",
    "jwt_secret": STRONG,
    "link_signing_keys": f"{STRONG}-new,{STRONG}-old",
    "rabbitmq_url": "amqp://mentorweb-notifications:Zq8v3xK9pL2m@rabbitmq:5672/",
    "database_url": "postgresql+asyncpg://mentorweb_notifications:Hq7c2Vn4Rt9w@pg:5432/mentorweb_notifications",
    "smtp_host": "smtp.board.ca",
    "smtp_port": 587,
    "smtp_username": "mentorweb",
    "smtp_password": "relay-password-0a9b8c",
    "smtp_from": "Mentorweb <no-reply@board.ca>",
}


def _refusal(settings_class: type[ServiceSettings], **overrides: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        settings_class(_env_file=None, **{**PRODUCTION, **overrides})
    return str(refused.value)


def test_a_complete_production_configuration_is_accepted():
    settings = NotificationSettings(_env_file=None, **PRODUCTION)
    assert settings.placeholder_problems() == []
    assert settings.link_signing_key == f"{STRONG}-new"
    assert settings.link_keys == [f"{STRONG}-new", f"{STRONG}-old"]


def test_the_development_defaults_are_all_named_in_one_message():
    message = _refusal(
        NotificationSettings,
        **{
            k: v
            for k, v in ServiceSettings().model_dump().items()
            if k in PRODUCTION and k != "mentorweb_env"
        },
    )
    for variable in (
        "JWT_SECRET",
        "LINK_SIGNING_KEYS",
        "RABBITMQ_URL",
        "DATABASE_URL",
        "SMTP_FROM",
        "SMTP_HOST",
    ):
        assert variable in message, variable


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"jwt_secret": DEV_JWT_SECRET}, "JWT_SECRET"),
        ({"jwt_secret": "short"}, "JWT_SECRET"),
        ({"link_signing_keys": DEV_LINK_SIGNING_KEY}, "LINK_SIGNING_KEYS"),
        # A rotation that kept the development key as the old one still honours forged links.
        ({"link_signing_keys": f"{STRONG},{DEV_LINK_SIGNING_KEY}"}, "LINK_SIGNING_KEYS"),
        ({"rabbitmq_url": "amqp://guest:guest@rabbitmq:5672/"}, "RABBITMQ_URL"),
        ({"rabbitmq_url": "amqp://rabbitmq:5672/"}, "RABBITMQ_URL"),
        ({"database_url": "postgresql+asyncpg://postgres@pg:5432/x"}, "DATABASE_URL"),
        ({"database_url": "postgresql+asyncpg://postgres:postgres@pg:5432/x"}, "DATABASE_URL"),
        ({"smtp_from": "Mentorweb <no-reply@mentorweb.local>"}, "SMTP_FROM"),
        ({"smtp_host": "127.0.0.1", "smtp_port": 1025}, "SMTP_HOST"),
        ({"smtp_password": None}, "SMTP_PASSWORD"),
        ({"jwt_jwks_url": "https://idp/certs", "jwt_algorithms": "HS256,RS256"}, "JWT_ALGORITHMS"),
    ],
)
def test_each_placeholder_is_refused(overrides: dict[str, object], variable: str):
    message = _refusal(NotificationSettings, **overrides)
    assert variable in message
    assert "production refuses development placeholders" in message


def test_a_jwks_deployment_needs_no_jwt_secret():
    settings = NotificationSettings(
        _env_file=None,
        **{
            **PRODUCTION,
            "jwt_secret": DEV_JWT_SECRET,
            "jwt_jwks_url": "https://idp/certs",
            "jwt_algorithms": "RS256",
        },
    )
    assert settings.placeholder_problems() == []


def test_a_service_that_sends_no_mail_and_signs_no_link_is_not_asked_for_them():
    # Registration in production: its common configuration carries no SMTP or link keys.
    RegistrationSettings(
        _env_file=None,
        **{
            **PRODUCTION,
            "smtp_from": "x@mentorweb.local",
            "smtp_port": 1025,
            "smtp_host": "127.0.0.1",
            "link_signing_keys": DEV_LINK_SIGNING_KEY,
        },
    )


def test_no_link_key_at_all_is_refused_everywhere():
    for keys in ("", " , "):
        with pytest.raises(ValidationError, match="link_signing_keys"):
            ServiceSettings(_env_file=None, mentorweb_env="test", link_signing_keys=keys)


def test_development_and_test_keep_their_placeholders():
    assert ServiceSettings(_env_file=None).link_signing_key == DEV_LINK_SIGNING_KEY
    NotificationSettings(_env_file=None, mentorweb_env="test")
