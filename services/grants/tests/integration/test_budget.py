"""The program budget holds under concurrent approvals, and the database itself refuses an overspend."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from services.grants.adapters.repository import GrantsRepository
from services.grants.tests.integration.helpers import GrantsApi, unique_year
from shared.testing.helpers import unique_board
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def one_line(amount: str) -> list[dict[str, Any]]:
    return [
        {
            "category": "release_time",
            "description": "Release days",
            "amount": amount,
            "incurred_on": "2026-10-01",
        }
    ]


async def under_review(api: GrantsApi, admin: str, year: str, count: int, amount: str) -> list[str]:
    """``count`` applications (one per board) requesting ``amount`` each, submitted and under review."""

    async def one() -> str:
        draft = await api.draft(admin, year, board=unique_board(), expense_lines=one_line(amount))
        await api.ok("POST", f"/applications/{draft['id']}/submission", admin)
        await api.ok("POST", f"/applications/{draft['id']}/review", admin)
        return str(draft["id"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_twenty_concurrent_approvals_fund_exactly_ten(api: GrantsApi, token, grants_db: str):
    admin = token("province_admin")
    year, _ = unique_year()
    program = await api.program(admin, year, max_award="1000.00", budget="10000.00")
    ids = await under_review(api, admin, year, 20, "1000.00")

    # Twenty HTTP calls in flight at once against the running app: twenty concurrent transactions.
    responses = await asyncio.gather(
        *(
            api.call("POST", f"/applications/{i}/approval", admin, json={"awarded_amount": "1000.00"})
            for i in ids
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [409] * 10, [r.text for r in responses if r.status_code not in (200, 409)]
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["title"] == "Budget exceeded"
        assert refused.json()["errors"][0]["field"] == "awarded_amount"

    after = await api.ok("GET", f"/programs/{program['id']}", admin)
    assert (after["budget"], after["awarded_total"], after["remaining"]) == ("10000.00", "10000.00", "0.00")
    listed = await api.ok("GET", "/applications", admin, params={"program_year": year, "limit": 100})
    by_status = sorted(item["status"] for item in listed["items"])
    assert by_status == ["approved"] * 10 + ["under_review"] * 10

    conn = await asyncpg.connect(asyncpg_dsn(grants_db))
    try:
        row = await conn.fetchrow(
            "SELECT p.awarded_total, p.budget, (SELECT sum(a.awarded_amount) FROM grant_applications a "
            "WHERE a.program_id = p.id AND a.state IN ('approved', 'paid')) AS awarded, "
            "(SELECT count(*) FROM outbox o WHERE o.event_type = 'GrantApproved' AND o.board = ANY($2::text[])) AS events "
            "FROM grant_programs p WHERE p.id = $1",
            program["id"],
            [item["board"] for item in listed["items"]],
        )
        assert row["awarded_total"] == row["awarded"] == row["budget"] == Decimal("10000.00")
        assert row["events"] == 10  # one GrantApproved per approval that held, none for the refused
    finally:
        await conn.close()

    # Nothing is left for anyone, not even a cent.
    refused_id = next(i for i, r in zip(ids, responses, strict=True) if r.status_code == 409)
    cent = await api.call(
        "POST", f"/applications/{refused_id}/approval", admin, json={"awarded_amount": "0.01"}
    )
    assert cent.status_code == 409 and cent.json()["title"] == "Budget exceeded"


async def test_the_database_refuses_an_overspend_whatever_writes_it(api: GrantsApi, token, grants_db: str):
    """Bypassing the service: twenty concurrent raw transactions each approving 1000 of a 10000 budget."""
    admin = token("province_admin")
    year, _ = unique_year()
    program = await api.program(admin, year, max_award="1000.00", budget="10000.00")
    ids = await under_review(api, admin, year, 20, "1000.00")
    dsn = asyncpg_dsn(grants_db)

    async def approve_directly(application_id: str) -> str:
        conn = await asyncpg.connect(dsn)
        try:
            async with conn.transaction():
                await conn.execute(
                    "UPDATE grant_applications SET state = 'approved', awarded_amount = 1000 WHERE id = $1",
                    application_id,
                )
            return "approved"
        except asyncpg.CheckViolationError as exc:
            return exc.constraint_name or "?"
        finally:
            await conn.close()

    outcomes = await asyncio.gather(*(approve_directly(i) for i in ids))
    assert sorted(outcomes) == ["approved"] * 10 + ["ck_grant_programs_within_budget"] * 10
    after = await api.ok("GET", f"/programs/{program['id']}", admin)
    assert (after["awarded_total"], after["remaining"]) == ("10000.00", "0.00")

    conn = await asyncpg.connect(dsn)
    try:
        # Moving awards out of the awarded states gives the money back (the total follows the rows).
        released = await conn.execute(
            "UPDATE grant_applications SET state = 'declined', awarded_amount = NULL WHERE id IN "
            "(SELECT id FROM grant_applications WHERE program_id = $1 AND state = 'approved' LIMIT 3)",
            program["id"],
        )
        assert released == "UPDATE 3"
        total = await conn.fetchval("SELECT awarded_total FROM grant_programs WHERE id = $1", program["id"])
        assert total == Decimal("7000.00")
        # The audit trail cannot be rewritten.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "UPDATE grant_audit SET actor = 'someone else' WHERE application_id = $1", ids[0]
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM grant_audit WHERE application_id = $1", ids[0])
    finally:
        await conn.close()


async def test_two_reviewers_approving_the_same_application_at_once(api: GrantsApi, token):
    admin = token("province_admin")
    year, _ = unique_year()
    program = await api.program(admin, year, max_award="1000.00", budget="10000.00")
    [app_id] = await under_review(api, admin, year, 1, "800.00")
    first, second = await asyncio.gather(
        *(
            api.call("POST", f"/applications/{app_id}/approval", admin, json={"awarded_amount": a})
            for a in ("800.00", "500.00")
        )
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["title"] == "Invalid transition"
    winner = first if first.status_code == 200 else second
    after = await api.ok("GET", f"/programs/{program['id']}", admin)
    assert after["awarded_total"] == winner.json()["awarded_amount"]


async def test_without_the_row_lock_the_database_constraint_still_answers_409(
    api: GrantsApi, token, monkeypatch
):
    """Take away the service's lock on the program row: concurrent approvals then all read the same
    awarded total and pass the domain check, and the CHECK constraint is what refuses the overspend."""
    original = GrantsRepository.program

    async def unlocked(self: GrantsRepository, program_id: Any, *, lock: bool = False) -> Any:
        return await original(self, program_id, lock=False)

    monkeypatch.setattr(GrantsRepository, "program", unlocked)
    admin = token("province_admin")
    year, _ = unique_year()
    program = await api.program(admin, year, max_award="1000.00", budget="3000.00")
    ids = await under_review(api, admin, year, 8, "1000.00")
    responses = await asyncio.gather(
        *(
            api.call("POST", f"/applications/{i}/approval", admin, json={"awarded_amount": "1000.00"})
            for i in ids
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 3 + [409] * 5
    assert {r.json()["title"] for r in responses if r.status_code == 409} == {"Budget exceeded"}
    assert (await api.ok("GET", f"/programs/{program['id']}", admin))["remaining"] == "0.00"
