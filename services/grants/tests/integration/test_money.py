"""Money over HTTP: exact decimal CAD computed on the server, stored as NUMERIC(12,2), amounts as strings;
floats, negative and absurd amounts refused with 422 naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from services.grants.tests.integration.helpers import GrantsApi, application, unique_year
from shared.testing.helpers import unique_board
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def line(amount: Any, description: str = "Meeting snacks") -> dict[str, Any]:
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
    await api.program(admin, program_year, max_award="1000.00", budget="100000.00")
    yield program_year


async def test_ten_cents_and_twenty_cents_make_exactly_thirty(
    api: GrantsApi, year: str, token, grants_db: str
):
    coordinator = token("board_coordinator", board=unique_board())
    draft = await api.draft(coordinator, year, expense_lines=[line("0.10"), line("0.20")])
    assert draft["requested_total"] == "0.30"
    assert [item["amount"] for item in draft["expense_lines"]] == ["0.10", "0.20"]
    edited = await api.ok(
        "PATCH",
        f"/applications/{draft['id']}",
        coordinator,
        json={"expense_lines": [line("0.10")] * 10 + [line("12.340")]},
    )
    assert edited["requested_total"] == "13.34"
    conn = await asyncpg.connect(asyncpg_dsn(grants_db))
    try:
        stored = await conn.fetchrow(
            "SELECT requested_total, pg_typeof(requested_total)::text AS type FROM grant_applications WHERE id = $1",
            draft["id"],
        )
        assert stored["requested_total"] == Decimal("13.34") and stored["type"] == "numeric"
        lines = await conn.fetchval(
            "SELECT sum(amount) FROM grant_expense_lines WHERE application_id = $1", draft["id"]
        )
        assert lines == Decimal("13.34")
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0.1, "not a JSON number"),
        (100, "not a JSON number"),
        ("-5.00", "must not be negative"),
        ("0", "must be more than zero"),
        ("1000000000.00", "must not exceed 1000000.00"),
        ("12.345", "more than two decimal places"),
        ("1e3", "plain decimal amount"),
        ("NaN", "finite"),
        ("$12", "plain decimal amount"),
        ("1" * 30, "at most 20 characters"),
    ],
)
async def test_bad_expense_amounts_are_refused_naming_the_line(
    api: GrantsApi, year: str, token, amount, message
):
    coordinator = token("board_coordinator", board=unique_board())
    response = await api.call(
        "POST",
        "/applications",
        coordinator,
        json=application(year, expense_lines=[line("1.00"), line(amount)]),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["field"] == "expense_lines.1.amount"
    assert message in error["message"]


async def test_the_requested_total_is_capped_too(api: GrantsApi, year: str, token):
    coordinator = token("board_coordinator", board=unique_board())
    response = await api.call(
        "POST",
        "/applications",
        coordinator,
        json=application(year, expense_lines=[line("999999.99"), line("0.02")]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expense_lines"


async def test_program_and_award_amounts_are_checked_the_same_way(api: GrantsApi, year: str, token):
    admin = token("province_admin")
    other_year, _ = unique_year()
    floats = await api.call(
        "POST",
        "/programs",
        admin,
        json={"program_year": other_year, "stream": "school_leadership", "max_award": "10.00", "budget": 5e4},
    )
    assert floats.status_code == 422 and floats.json()["errors"][0]["field"] == "budget"
    over = await api.call(
        "POST",
        "/programs",
        admin,
        json={
            "program_year": other_year,
            "stream": "school_leadership",
            "max_award": "10.00",
            "budget": "-1",
        },
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "budget"

    board = unique_board()
    draft = await api.draft(admin, year, board=board)
    await api.ok("POST", f"/applications/{draft['id']}/submission", admin)
    await api.ok("POST", f"/applications/{draft['id']}/review", admin)
    for awarded, expected in (
        (700.5, "not a JSON number"),
        ("-1.00", "must not be negative"),
        ("1000.01", "maximum award 1000.00"),
        ("abc", "plain decimal amount"),
    ):
        response = await api.call(
            "POST", f"/applications/{draft['id']}/approval", admin, json={"awarded_amount": awarded}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "awarded_amount"
        assert expected in response.json()["errors"][0]["message"]
    approved = await api.ok(
        "POST", f"/applications/{draft['id']}/approval", admin, json={"awarded_amount": "700.50"}
    )
    assert approved["awarded_amount"] == "700.50"
