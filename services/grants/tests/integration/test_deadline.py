"""The June 30 deadline in the configured province time zone, with an injected clock, and extensions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from services.grants.adapters.clock import FixedClock
from services.grants.entrypoints.http import get_clock
from services.grants.tests.integration.helpers import EDMONTON, GrantsApi, start_api, unique_year
from shared.testing.helpers import unique_board
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import delete_bus_objects

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

HALIFAX = ZoneInfo("America/Halifax")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def halifax(infra: Infrastructure, run_prefix: str, grants_db: str) -> AsyncIterator[GrantsApi]:
    """Grants configured for a province on Atlantic time (an hour's difference matters at midnight)."""
    prefix = f"{run_prefix}grh"
    async with start_api(infra, grants_db, prefix, province_timezone="America/Halifax") as running:
        running.app.state.clock = FixedClock(datetime.now(UTC))
        yield running
    await delete_bus_objects(infra.rabbitmq_url, prefix)


async def test_2359_on_june_30_passes_and_0000_on_july_1_is_refused(halifax: GrantsApi, token):
    year, end = unique_year()
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    program = await halifax.program(admin, year)
    assert program["timezone"] == "America/Halifax"
    assert datetime.fromisoformat(program["deadline"]) == datetime(end, 6, 30, 23, 59, 59, tzinfo=HALIFAX)
    on_time = await halifax.draft(coordinator, year, organisation={"association_local": "Local 1"})
    late = await halifax.draft(coordinator, year, organisation={"association_local": "Local 2"})
    clock: FixedClock = halifax.app.state.clock

    # The production clock answers in UTC; the comparison is between instants.
    clock.set(datetime(end, 6, 30, 23, 59, tzinfo=HALIFAX).astimezone(UTC))
    accepted = await halifax.ok("POST", f"/applications/{on_time['id']}/submission", coordinator)
    assert accepted["status"] == "submitted"
    assert datetime.fromisoformat(accepted["submitted_at"]) == datetime(end, 6, 30, 23, 59, tzinfo=HALIFAX)

    midnight = datetime(end, 7, 1, 0, 0, tzinfo=HALIFAX)
    assert midnight.astimezone(EDMONTON).day == 30  # still June 30 in the default zone: the setting decides
    clock.set(midnight.astimezone(UTC))
    refused = await halifax.call("POST", f"/applications/{late['id']}/submission", coordinator)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["title"] == "Deadline passed"
    assert problem["errors"][0]["field"] == "deadline"
    assert (
        f"{end}-06-30T23:59:59-03:00" in problem["detail"]
        and f"{end}-07-01T00:00:00-03:00" in problem["detail"]
    )
    assert (await halifax.ok("GET", f"/applications/{late['id']}", coordinator))["status"] == "draft"


async def test_an_extension_lets_that_applicant_only_submit_late(halifax: GrantsApi, token):
    year, end = unique_year()
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    program = await halifax.program(admin, year)
    extended = await halifax.draft(coordinator, year, organisation={"association_local": "ATA Local 37"})
    other = await halifax.draft(coordinator, year, organisation={"association_local": "ATA Local 38"})
    halifax.app.state.clock.set(datetime(end, 7, 2, 9, 0, tzinfo=HALIFAX))

    path = f"/programs/{program['id']}/extensions"
    until = datetime(end, 7, 3, 17, 0, tzinfo=HALIFAX).isoformat()
    body = {"board": board, "association_local": "ata  local 37", "extension_until": until, "note": "Strike"}
    assert (await halifax.call("POST", path, coordinator, json=body)).status_code == 403
    too_early = await halifax.call(
        "POST", path, admin, json={**body, "extension_until": f"{end}-06-01T00:00:00Z"}
    )
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["field"] == "extension_until"
    naive = await halifax.call("POST", path, admin, json={**body, "extension_until": f"{end}-07-03T17:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "extension_until"
    granted = await halifax.ok("POST", path, admin, 201, json=body)
    assert granted["granted_by"] == "test-province_admin"
    assert [e["board"] for e in await halifax.ok("GET", path, admin)] == [board]

    shown = await halifax.ok("GET", f"/applications/{extended['id']}", coordinator)
    assert datetime.fromisoformat(shown["extension_until"]) == datetime(end, 7, 3, 17, 0, tzinfo=HALIFAX)
    submitted = await halifax.ok("POST", f"/applications/{extended['id']}/submission", coordinator)
    assert submitted["status"] == "submitted"
    assert (
        await halifax.call("POST", f"/applications/{other['id']}/submission", coordinator)
    ).status_code == 409

    # An extension ends too: after it, that applicant is refused again, and told when it ended.
    lapsed = await halifax.draft(coordinator, year, organisation={"association_local": "ATA Local 39"})
    await halifax.ok("POST", path, admin, 201, json={**body, "association_local": "ATA Local 39"})
    halifax.app.state.clock.set(datetime(end, 7, 3, 17, 0, 30, tzinfo=HALIFAX))
    refused = await halifax.call("POST", f"/applications/{lapsed['id']}/submission", coordinator)
    assert refused.status_code == 409
    assert f"extension ended at {end}-07-03T17:00:00-03:00" in refused.json()["detail"]


async def test_the_clock_is_a_dependency_tests_can_override(api: GrantsApi, token):
    """Same rule with the default zone (Edmonton), the clock set by a FastAPI dependency override."""
    year, end = unique_year()
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    await api.program(admin, year)
    draft = await api.draft(coordinator, year)
    api.app.dependency_overrides[get_clock] = lambda: FixedClock(datetime(end, 7, 1, 0, 0, tzinfo=EDMONTON))
    try:
        refused = await api.call("POST", f"/applications/{draft['id']}/submission", coordinator)
        assert refused.status_code == 409 and refused.json()["title"] == "Deadline passed"
        api.app.dependency_overrides[get_clock] = lambda: FixedClock(
            datetime(end, 6, 30, 23, 59, 59, tzinfo=EDMONTON)
        )
        assert (await api.ok("POST", f"/applications/{draft['id']}/submission", coordinator))[
            "status"
        ] == "submitted"
    finally:
        api.app.dependency_overrides.pop(get_clock)


async def test_a_program_may_set_its_own_deadline(api: GrantsApi, token):
    year, end = unique_year()
    admin = token("province_admin")
    custom = datetime(end, 5, 31, 17, 0, tzinfo=EDMONTON)
    program = await api.program(admin, year, deadline=custom.astimezone(UTC).isoformat())
    assert program["deadline"] == custom.isoformat()  # shown in province time
    listed = await api.ok(
        "GET", "/programs", token("board_coordinator", board=unique_board()), params={"program_year": year}
    )
    assert [p["deadline"] for p in listed] == [custom.isoformat()]
    naive = await api.call(
        "POST",
        "/programs",
        admin,
        json={
            "program_year": year,
            "stream": "school_leadership",
            "max_award": "1.00",
            "budget": "1.00",
            "deadline": f"{end}-05-31T17:00:00",
        },
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "deadline"
    again = await api.call(
        "POST",
        "/programs",
        admin,
        json={"program_year": year, "stream": "beginning_teacher", "max_award": "1.00", "budget": "1.00"},
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "stream"
