"""Must show 5: a harvest from two hubs rolls up into the board's harvest, the board's report and the
province's harvest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.evaluation.tests.integration.helpers import eventually, hub_formed, profile, registered
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
MAY = datetime(2027, 5, 20, 15, tzinfo=UTC)


async def test_two_hubs_harvest_rolls_up_into_the_board_and_its_report(api, bus, token):
    api.clock.set(MAY)
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    hubs = []
    for _ in range(2):
        people = [profile(board) for _ in range(6)]
        leads = [profile(board, "mentor") for _ in range(2)]
        formed = hub_formed(
            board,
            [p.participant_id for p in people],
            [p.participant_id for p in leads],
            at=MAY - timedelta(days=200),
        )
        await bus.publish(*(registered(board, p) for p in (*people, *leads)), formed)
        hubs.append((formed, people, leads))
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == 2,
    )

    def me(p) -> str:
        return token("participant", board=board, participant_id=p.participant_id)

    expected_votes = {}
    for n, (formed, people, leads) in enumerate(hubs):
        base = f"/hubs/{formed.hub_id}/harvest"
        story = await api.ok(
            "POST",
            f"{base}/items",
            me(people[0]),
            201,
            json={"phase": "discover", "text": f"Co-planning worked in hub {n}"},
        )
        wish = await api.ok(
            "POST",
            f"{base}/items",
            me(people[1]),
            201,
            json={"phase": "dream", "text": f"More observation days (hub {n})"},
        )
        theme = await api.ok(
            "POST",
            f"{base}/themes",
            me(leads[0]),
            201,
            json={"title": f"Time together {n}", "items": [story["id"], wish["id"]]},
        )
        for voter in people[: 3 + n]:
            assert (
                await api.call("POST", f"/harvest/themes/{theme['id']}/votes", me(voter))
            ).status_code == 204
        expected_votes[f"Time together {n}"] = 3 + n
        again = await api.call("POST", f"/harvest/themes/{theme['id']}/votes", me(people[0]))
        assert again.status_code == 409  # one vote each
        await api.ok(
            "POST",
            f"{base}/items",
            me(leads[1]),
            201,
            json={
                "phase": "destiny",
                "text": f"Book release days in September (hub {n})",
                "owner": "NTIP lead",
                "due_on": f"2027-09-{10 + n}",
            },
        )
    # A proposition without its owner and date names both; a member of one hub cannot write in the other.
    missing = await api.call(
        "POST",
        f"/hubs/{hubs[0][0].hub_id}/harvest/items",
        me(hubs[0][1][0]),
        json={"phase": "destiny", "text": "x"},
    )
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {
        "owner",
        "due_on",
    }
    # A participant's token without a board claim reaches their own hub, and only it.
    boardless = token("participant", participant_id=hubs[0][1][2].participant_id)
    assert (
        await api.call(
            "POST",
            f"/hubs/{hubs[0][0].hub_id}/harvest/items",
            boardless,
            json={"phase": "discover", "text": "Peer visits"},
        )
    ).status_code == 201
    assert (await api.call("GET", f"/hubs/{hubs[1][0].hub_id}/harvest", boardless)).status_code == 404
    stranger = await api.call(
        "POST",
        f"/hubs/{hubs[1][0].hub_id}/harvest/items",
        me(hubs[0][1][0]),
        json={"phase": "discover", "text": "x"},
    )
    assert stranger.status_code == 404
    unknown_item = await api.call(
        "POST",
        f"/hubs/{hubs[0][0].hub_id}/harvest/themes",
        me(hubs[0][1][0]),
        json={"title": "", "items": [story["id"]]},
    )  # the last story belongs to the other hub
    assert unknown_item.status_code == 422 and {e["field"] for e in unknown_item.json()["errors"]} == {
        "title",
        "items",
    }

    harvest = await api.ok("GET", f"/boards/{board}/harvest", coordinator, params={"program_year": YEAR})
    assert [(t["title"], t["votes"]) for t in harvest["themes"]] == [
        ("Time together 1", 4),
        ("Time together 0", 3),
    ]
    assert [p["text"] for p in harvest["propositions"]] == [
        "Book release days in September (hub 0)",
        "Book release days in September (hub 1)",
    ]
    assert len(harvest["stories"]) == 3 and len(harvest["wishes"]) == 2  # two plus "Peer visits"
    assert sorted(harvest["parts"]) == sorted(str(h[0].hub_id) for h in hubs)
    assert all(len(part["themes"]) == 1 for part in harvest["parts"].values())

    report = await api.ok("GET", f"/boards/{board}/report", coordinator, params={"program_year": YEAR})
    assert {t["title"]: t["votes"] for t in report["themes"]} == expected_votes
    assert [(p["owner"], p["due_on"]) for p in report["propositions"]] == [
        ("NTIP lead", "2027-09-10"),
        ("NTIP lead", "2027-09-11"),
    ]
    assert report["engagement"]["hubs"] == 2
    # The province's harvest gathers this board's with every other board's.
    province = await api.ok(
        "GET", "/province/harvest", token("province_admin"), params={"program_year": YEAR}
    )
    assert board in province["parts"]
    assert {t["title"] for t in province["parts"][board]["themes"]} == set(expected_votes)
    # Another board's coordinator sees none of it.
    other = await api.call(
        "GET",
        f"/boards/{board}/harvest",
        token("board_coordinator", board=unique_board()),
        params={"program_year": YEAR},
    )
    assert other.status_code == 404
