"""A board sees only its own data: every board route answers another board's coordinator with 404, and
province routes refuse coordinators."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.evaluation.tests.integration.helpers import eventually, hub_formed, profile, registered
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


async def test_another_boards_coordinator_reaches_nothing(api, bus, token):
    board = unique_board()
    mine = token("board_coordinator", board=board)
    people = [profile(board) for _ in range(5)]
    formed = hub_formed(board, [p.participant_id for p in people], [], at=datetime(2026, 9, 1, tzinfo=UTC))
    await bus.publish(*(registered(board, p) for p in people), formed)
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", mine, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == 1,
    )
    api.clock.set(datetime(2026, 11, 1, tzinfo=UTC))
    survey = await api.ok(
        "POST", f"/boards/{board}/surveys", mine, 201, json={"program_year": YEAR, "kind": "baseline"}
    )
    other = token("board_coordinator", board=unique_board())
    year = {"program_year": YEAR}
    for method, path, params, body in (
        ("GET", f"/boards/{board}/engagement", year, None),
        ("GET", f"/boards/{board}/surveys", year, None),
        ("GET", f"/boards/{board}/survey-results", {**year, "kind": "baseline"}, None),
        ("GET", f"/boards/{board}/harvest", year, None),
        ("GET", f"/boards/{board}/report", year, None),
        ("GET", f"/boards/{board}/question-sets", None, None),
        ("GET", f"/surveys/{survey['id']}", None, None),
        ("GET", f"/hubs/{formed.hub_id}/harvest", None, None),
        ("POST", f"/hubs/{formed.hub_id}/harvest/items", None, {"phase": "discover", "text": "x"}),
        ("POST", f"/boards/{board}/surveys", None, {"program_year": YEAR, "kind": "mid_year"}),
        (
            "PUT",
            f"/boards/{board}/question-sets/core",
            None,
            {"questions": [{"key": "x", "kind": "text", "text": {"en": "x", "fr": "x"}}]},
        ),
    ):
        response = await api.call(method, path, other, params=params, json=body)
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in ("/province/engagement", "/province/harvest", "/province/report"):
        assert (await api.call("GET", path, mine, params=year)).status_code == 403
    # Nothing was changed in the board by those attempts.
    surveys = await api.ok("GET", f"/boards/{board}/surveys", mine, params=year)
    assert [s["kind"] for s in surveys] == ["baseline"]
    assert (await api.ok("GET", f"/hubs/{formed.hub_id}/harvest", mine))["stories"] == []
