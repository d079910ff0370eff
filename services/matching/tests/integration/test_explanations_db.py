"""The facts matching publishes on a real PostgreSQL outbox: HubFormed carries every member's and
leader's reasons, counted from the hub; a late joiner's HubMembershipChanged says they joined late;
ParticipantUnplaced carries the true cause as codes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.matching.tests.integration.people import pid, synthetic
from services.matching.tests.integration.test_hub_service import (  # noqa: F401 (fixture)
    Factory,
    events,
    factory,
    register,
    run,
)
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_hub_formed_and_late_joiners_carry_true_facts_and_unplaced_their_cause(factory: Factory):  # noqa: F811
    board = unique_board()
    teachers, mentors = synthetic(board, 33, 10, seed=4)
    await register(factory, board, teachers, mentors)
    await run(factory, board)
    first_theme = {str(pid(f"{board}/{t.participant_id}")): t.themes[0] for t in teachers}
    themes_of = {str(pid(f"{board}/{t.participant_id}")): t.themes for t in teachers}

    formed = await events(factory, board, "HubFormed")
    assert formed
    for hub in formed:
        reasons = {r["code"]: r["values"] for r in hub["reasons"]}
        assert reasons["hub_size"] == {"teachers": len(hub["members"]), "leaders": 0}
        listed_first = sum(1 for m in hub["members"] if first_theme[m] == hub["theme"])
        assert reasons["hub_theme"] == {"theme": hub["theme"], "teachers": listed_first}
        assert set(hub["member_reasons"]) == set(hub["members"]) | set(hub["leaders"])
        for member in hub["members"]:
            for fact in hub["member_reasons"][member]:
                if fact["code"] == "first_theme":
                    assert first_theme[member] == hub["theme"]
                if fact["code"] == "listed_theme":
                    assert themes_of[member][fact["values"]["rank"] - 1] == hub["theme"]

    # A late registrant in a board whose hubs have room joins one, and is said to have joined late.
    late = replace(teachers[0], participant_id="LATE1", hr_id="HR-LATE1")
    await register(factory, board, [late], [])
    changed = await events(factory, board, "HubMembershipChanged")
    late_id = str(pid(f"{board}/LATE1"))
    joined = [e for e in changed if late_id in e["added"]]
    unplaced = [
        e for e in await events(factory, board, "ParticipantUnplaced") if e["participant_id"] == late_id
    ]
    assert len(joined) + len(unplaced) == 1
    if joined:
        [event] = joined
        assert "late_joiner" in [r["code"] for r in event["member_reasons"][late_id]]
        assert {r["code"]: r["values"] for r in event["reasons"]}["hub_size"]["teachers"] == len(
            event["members"]
        )
    else:
        assert [r["code"] for r in unplaced[0]["reasons"]] == ["no_hub_with_room"]
