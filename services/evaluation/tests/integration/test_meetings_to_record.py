"""A hub leader's meetings to record: the started, not cancelled meetings of the hubs they lead, each
recorded or not; nothing for a member; 404 for anyone else's id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.evaluation.tests.integration.helpers import eventually, hub_formed, meeting, profile, registered
from shared.events import matching
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 18, tzinfo=UTC)


async def test_a_leader_lists_the_started_meetings_of_their_hubs_and_records_one(api, bus, token):
    board = unique_board()
    teachers = [profile(board) for _ in range(3)]
    leader, other_leader = profile(board, "mentor"), profile(board, "mentor")
    t = [p.participant_id for p in teachers]
    hub = hub_formed(board, t, [leader.participant_id], at=at(9, 10))
    other = hub_formed(board, [], [other_leader.participant_id], at=at(9, 10))
    started, later = meeting(board, hub.hub_id, at(9, 20)), meeting(board, hub.hub_id, at(10, 20))
    dropped = meeting(board, hub.hub_id, at(9, 25))
    cancelled = meeting(
        board, hub.hub_id, at(9, 25), matching.HubMeetingCancelled, meeting_id=dropped.meeting_id, sequence=1
    )
    theirs = meeting(board, other.hub_id, at(9, 21))
    await bus.publish(
        *(registered(board, p) for p in (*teachers, leader, other_leader)), hub, other, started, later
    )
    await bus.publish(dropped, cancelled, theirs)
    api.clock.set(at(10, 1))
    me = token("participant", board=board, participant_id=leader.participant_id)
    path = f"/participants/{leader.participant_id}/meetings-to-record"

    listed = await eventually(
        lambda: api.ok("GET", path, me),
        lambda found: [m["id"] for m in found] == [str(started.meeting_id)],
        timeout=30,
    )
    assert listed[0]["hub_id"] == str(hub.hub_id) and listed[0]["recorded"] is False
    member = token("participant", board=board, participant_id=t[0])
    assert await api.ok("GET", f"/participants/{t[0]}/meetings-to-record", member) == []
    assert (await api.call("GET", path, member)).status_code == 404

    await api.ok(
        "POST",
        f"/hub-meetings/{started.meeting_id}/record",
        me,
        expect=202,
        json={"present": [str(leader.participant_id), str(t[0])], "absent": [str(t[1]), str(t[2])]},
    )
    await eventually(
        lambda: api.ok("GET", path, me), lambda found: found and found[0]["recorded"], timeout=30
    )
