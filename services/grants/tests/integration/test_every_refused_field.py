"""A form shows every mistake at once: grants names every refused field of a body in one problem+json
(a blank contact name and a bad email, a blank description and a bad amount on several lines), and a
single refusal answers exactly as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from services.grants.tests.integration.helpers import GrantsApi, application, unique_year
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def line(amount: str, description: str = "Meeting snacks") -> dict[str, Any]:
    return {
        "category": "meeting_costs",
        "description": description,
        "amount": amount,
        "incurred_on": "2026-09-30",
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def year(api: GrantsApi) -> AsyncIterator[str]:
    from shared.auth import mint_token
    from shared.testing.fixtures import test_settings

    admin = mint_token(test_settings(), subject="test-province_admin", roles=["province_admin"])
    program_year, _ = unique_year()
    await api.program(admin, program_year)
    yield program_year


def fields_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


async def test_a_new_draft_names_every_refused_field(api: GrantsApi, year: str, token):  # type: ignore[no-untyped-def]
    coordinator = token("board_coordinator", board=unique_board())
    body = application(
        year,
        contact={"name": " ", "email": "not-an-address"},
        committee=[{"name": "Sam Tremblay", "role": "local"}, {"name": "", "role": "district"}],
        expense_lines=[line("12.50"), line("1,250.00"), line("0", description="  "), line("3.333")],
    )
    response = await api.call("POST", "/applications", coordinator, json=body)
    assert fields_of(response) == {
        "contact.name": "required",
        "contact.email": "not a valid email address",
        "committee.1.name": "required",
        "expense_lines.1.amount": "must be a plain decimal amount such as 1250.00",
        "expense_lines.2.description": "required",
        "expense_lines.2.amount": "must be more than zero",
        "expense_lines.3.amount": "must not have more than two decimal places",
    }
    listed = await api.ok("GET", "/applications", coordinator, params={"program_year": year})
    assert listed["total"] == 0  # nothing was stored


async def test_an_edit_names_every_refused_field_and_changes_nothing(api: GrantsApi, year: str, token):  # type: ignore[no-untyped-def]
    coordinator = token("board_coordinator", board=unique_board())
    draft = await api.draft(coordinator, year)
    response = await api.call(
        "PATCH",
        f"/applications/{draft['id']}",
        coordinator,
        json={"contact": {"name": "Dana", "email": "dana@"}, "expense_lines": [line("-5"), line("7.00", "")]},
    )
    assert fields_of(response) == {
        "contact.email": "not a valid email address",
        "expense_lines.0.amount": "must not be negative",
        "expense_lines.1.description": "required",
    }
    again = await api.ok("GET", f"/applications/{draft['id']}", coordinator)
    assert again["requested_total"] == draft["requested_total"]
    assert again["contact"] == draft["contact"]


async def test_one_refused_field_answers_as_before(api: GrantsApi, year: str, token):  # type: ignore[no-untyped-def]
    coordinator = token("board_coordinator", board=unique_board())
    response = await api.call(
        "POST", "/applications", coordinator, json=application(year, expense_lines=[line("12.345")])
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "expense_lines.0.amount: must not have more than two decimal places"
    assert problem["errors"] == [
        {"field": "expense_lines.0.amount", "message": "must not have more than two decimal places"}
    ]
