"""Bearer-token verification: what is refused, and board scoping."""

from __future__ import annotations

import time

import jwt
import pytest

from shared.auth import Principal, TokenVerifier, mint_token
from shared.problems import Problem
from shared.settings import ServiceSettings

pytestmark = pytest.mark.unit
SECRET = "unit-test-secret-0123456789abcdef0123456789"
settings = ServiceSettings(jwt_secret=SECRET)


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "u1",
        "roles": ["board_coordinator"],
        "board": "ELM",
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + 60,
    }
    claims.update(overrides)
    return claims


def test_a_minted_token_verifies_with_roles_and_board():
    principal = TokenVerifier(settings).verify(
        mint_token(settings, subject="c", roles=["board_coordinator"], board="ELM")
    )
    assert principal.roles == {"board_coordinator"} and principal.board == "ELM"
    assert principal.can_access_board("ELM") and not principal.can_access_board("OAK")


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode(_claims(exp=int(time.time()) - 10), SECRET, algorithm="HS256"),  # expired
        jwt.encode(
            _claims(), "another-secret-0123456789abcdef0123456789", algorithm="HS256"
        ),  # wrong signature
        jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256"),  # wrong audience
        jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256"),  # wrong issuer
        jwt.encode(_claims(), "", algorithm="none"),  # alg: none (PyJWT signs with no key: "")
        "not-a-jwt",
    ],
)
def test_bad_tokens_are_refused_with_401(token: str):
    with pytest.raises(Problem) as refused:
        TokenVerifier(settings).verify(token)
    assert refused.value.status == 401


def test_a_token_without_a_known_role_is_forbidden():
    with pytest.raises(Problem) as refused:
        TokenVerifier(settings).verify(jwt.encode(_claims(roles=["janitor"]), SECRET, algorithm="HS256"))
    assert refused.value.status == 403


def test_province_admin_sees_every_board():
    admin = Principal(subject="a", roles=frozenset({"province_admin"}))
    assert admin.visible_boards() is None and admin.can_access_board("ANY")


def test_production_refuses_the_default_secret():
    with pytest.raises(ValueError, match="JWT_SECRET"):
        ServiceSettings(mentorweb_env="production")
    strong = ServiceSettings(mentorweb_env="test", jwt_secret="x" * 40)
    assert not [p for p in strong.placeholder_problems() if p.startswith("JWT_SECRET")]
    with pytest.raises(ValueError, match="none"):
        TokenVerifier(ServiceSettings(jwt_algorithms="none"))
