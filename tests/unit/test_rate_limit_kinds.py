"""Which budget each request spends (shared/ratelimit.py)."""

from __future__ import annotations

import pytest

from shared.ratelimit import budgets, kind_of
from shared.settings import ServiceSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/dev/sign-in", "sign_in"),
        ("GET", "/auth/login", "sign_in"),
        ("GET", "/auth/callback", "sign_in"),
        ("GET", "/dev/sign-in", None),  # the page itself
        ("GET", "/scim/v2/Users", "scim"),
        ("POST", "/scim/v2/Users", "scim"),
        ("PATCH", "/scim/v2/Users/5", "scim"),
        ("POST", "/v1/imports", "import"),
        ("GET", "/v1/imports", None),
        ("POST", "/v1/participants", "write"),
        ("PUT", "/v1/preferences/me", "write"),
        ("DELETE", "/v1/boards/ELM/contacts/1", "write"),
        ("POST", "/v1/preferences/unsubscribe", "write"),
        ("GET", "/v1/participants", None),
        ("GET", "/healthz", None),
    ],
)
def test_each_request_spends_its_own_budget(method: str, path: str, kind: str | None):
    assert kind_of(method, path) == kind


def test_budgets_are_configurable():
    settings = ServiceSettings(_env_file=None, rate_limit_scim="7/second;100/hour")
    scim = budgets(settings)["scim"]
    assert [(i.amount, i.GRANULARITY.name) for i in scim.per_token] == [(7, "second"), (100, "hour")]
    assert budgets(settings)["sign_in"].per_token == []  # nobody has a token before signing in


def test_rate_limits_are_on_except_in_tests_unless_asked():
    assert ServiceSettings(_env_file=None).rate_limits_active
    assert not ServiceSettings(_env_file=None, mentorweb_env="test").rate_limits_active
    assert ServiceSettings(_env_file=None, mentorweb_env="test", rate_limits_enabled=True).rate_limits_active
