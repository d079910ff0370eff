"""Property-based fuzzing of every service's OpenAPI (schemathesis strategies driven by hypothesis):
no 5xx, and every 4xx is a problem+json (SCIM answers in its own error format)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from shared.migrations import SERVICES
from shared.testing.helpers import auth

pytestmark = pytest.mark.e2e

FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _check(case, token: str) -> None:
    response = case.call(headers=auth(token), timeout=15)
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        value = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
        content_type = value[0] if isinstance(value, list) else value
        assert content_type.startswith(("application/problem+json", "application/scim+json")), where


@pytest.mark.parametrize("service", SERVICES)
def test_api_never_fails_on_generated_input(system, token, service: str):
    bearer = token("board_coordinator", board="FUZZ")
    schema = schemathesis.openapi.from_url(f"{system.url(service)}/openapi.json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), [r for r in results if not isinstance(r, Ok)]
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert operations
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case) -> None:
            _check(case, bearer)

        fuzz()
