"""A board coordinator sees and changes only their own board's applications: 404 for any other board's
(by id, in lists, in summaries and in the finance export); reviewer actions need the province admin."""

from __future__ import annotations

import csv
import io

import pytest

from services.grants.tests.integration.helpers import GrantsApi, application, unique_year
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_coordinator_of_board_a_cannot_see_or_change_board_b(api: GrantsApi, token):
    year, _ = unique_year()
    board_a, board_b = unique_board(), unique_board()
    admin = token("province_admin")
    coordinator_a = token("board_coordinator", board=board_a)
    coordinator_b = token("board_coordinator", board=board_b)
    await api.program(admin, year)
    mine = await api.draft(coordinator_a, year)
    draft_b = await api.draft(coordinator_b, year)
    approved_b = await api.draft(coordinator_b, year, organisation={"association_local": "Local 2"})
    await api.ok("POST", f"/applications/{approved_b['id']}/submission", coordinator_b)
    await api.ok("POST", f"/applications/{approved_b['id']}/review", admin)
    await api.ok(
        "POST", f"/applications/{approved_b['id']}/approval", admin, json={"awarded_amount": "1000.00"}
    )

    for method, path, body in (
        ("GET", f"/applications/{draft_b['id']}", None),
        ("GET", f"/applications/{draft_b['id']}/summary", None),
        ("PATCH", f"/applications/{draft_b['id']}", {"contact": None}),
        ("POST", f"/applications/{draft_b['id']}/submission", None),
        ("POST", f"/applications/{draft_b['id']}/withdrawal", {"reason": "not mine"}),
        ("GET", f"/applications/{approved_b['id']}", None),
    ):
        response = await api.call(method, path, coordinator_a, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        assert response.headers["content-type"].startswith("application/problem+json")
    # Reviewer actions are the province admin's, whatever the board.
    for action in ("review", "approval", "decline", "payment"):
        response = await api.call(
            "POST", f"/applications/{approved_b['id']}/{action}", coordinator_b, json={}
        )
        assert response.status_code == 403, action
    # Nor may A apply in B's name.
    in_b = await api.call(
        "POST", "/applications", coordinator_a, json={**application(year), "board": board_b}
    )
    assert in_b.status_code == 403 and in_b.json()["errors"][0]["field"] == "board"
    named_b = await api.call(
        "POST",
        "/applications",
        coordinator_a,
        json={**application(year), "organisation": {"board_code": board_b}},
    )
    assert named_b.status_code == 422 and named_b.json()["errors"][0]["field"] == "organisation.board_code"

    listed = await api.ok("GET", "/applications", coordinator_a, params={"program_year": year})
    assert [item["id"] for item in listed["items"]] == [mine["id"]] and listed["total"] == 1
    filtered = await api.ok("GET", "/applications", coordinator_a, params={"board": board_b})
    assert filtered["items"] == [] and filtered["total"] == 0
    everyone = await api.ok("GET", "/applications", admin, params={"program_year": year})
    assert {item["board"] for item in everyone["items"]} == {board_a, board_b}

    exported_a = await api.call("GET", "/exports/awards.csv", coordinator_a, params={"program_year": year})
    assert exported_a.status_code == 200
    assert list(csv.reader(io.StringIO(exported_a.text)))[1:] == []
    exported_admin = await api.call("GET", "/exports/awards.csv", admin, params={"program_year": year})
    assert [row[0] for row in list(csv.reader(io.StringIO(exported_admin.text)))[1:]] == [approved_b["id"]]

    # B's draft is untouched by A's attempts.
    untouched = await api.ok("GET", f"/applications/{draft_b['id']}", coordinator_b)
    assert untouched["status"] == "draft" and untouched["contact"] is not None


async def test_other_roles_and_anonymous_callers(api: GrantsApi, token):
    participant = token("participant", board=unique_board())
    assert (await api.call("GET", "/applications", participant)).status_code == 403
    assert (await api.call("GET", "/programs", participant)).status_code == 403
    assert (await api.client.get("/v1/applications")).status_code == 401
    coordinator = token("board_coordinator", board=unique_board())
    year, _ = unique_year()
    created = await api.call(
        "POST",
        "/programs",
        coordinator,
        json={"program_year": year, "stream": "beginning_teacher", "max_award": "1.00", "budget": "2.00"},
    )
    assert created.status_code == 403
    no_board = token("board_coordinator")
    assert (await api.ok("GET", "/applications", no_board))["items"] == []
    assert (await api.call("POST", "/applications", no_board, json=application(year))).status_code == 403
