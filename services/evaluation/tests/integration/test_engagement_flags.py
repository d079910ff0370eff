"""Must show 4: "needs check-in" flags appear and clear from events alone, judged at an instant passed in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.evaluation.tests.integration.helpers import eventually, hub_formed, meeting, profile, registered
from shared.events import evaluation, matching
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 18, tzinfo=UTC)


def held(
    board: str, m: matching.HubMeetingScheduled, present: list[uuid.UUID], absent: list[uuid.UUID]
) -> evaluation.HubMeetingRecorded:
    return evaluation.HubMeetingRecorded(
        board=board,
        meeting_id=m.meeting_id,
        hub_id=m.hub_id,
        held_at=m.starts_at,
        recorded_at=m.ends_at,
        present=present,
        absent=absent,
    )


async def test_flags_appear_and_clear_from_events(api, bus, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    teachers = [profile(board) for _ in range(8)]
    leaders = [profile(board, "mentor") for _ in range(2)]
    mentor = profile(board, "mentor")
    t = [p.participant_id for p in teachers]
    hub = hub_formed(board, t, [p.participant_id for p in leaders], at=at(9, 15))
    paired = matching.MentorPaired(
        board=board,
        program_year=YEAR,
        teacher_id=t[0],
        mentor_id=mentor.participant_id,
        occurred_at=at(9, 16),
    )
    await bus.publish(*(registered(board, p) for p in (*teachers, *leaders, mentor)), hub, paired)

    async def engagement(as_of: datetime) -> dict:
        return await api.ok(
            "GET",
            f"/boards/{board}/engagement",
            coordinator,
            params={"program_year": YEAR, "as_of": as_of.isoformat()},
        )

    def codes(e: dict) -> list[tuple[str, str | None]]:
        return sorted((f["code"], f["participant_id"]) for f in e["needs_check_in"])

    # Eight weeks after forming without a meeting held, the hub is flagged; a week before, it is not.
    quiet = await eventually(
        lambda: engagement(at(11, 12)), lambda e: len(e["hubs"]) == 1 and len(e["pairings"]) == 1
    )
    assert codes(quiet) == [("quiet_hub", None)]
    assert codes(await engagement(at(11, 3))) == []

    # Meetings: one held (two teachers absent), one cancelled; the held meeting clears the hub's flag.
    m1, m2, m3 = (
        meeting(board, hub.hub_id, at(11, 20)),
        meeting(board, hub.hub_id, at(12, 10)),
        meeting(board, hub.hub_id, at(12, 17)),
    )
    cancelled = meeting(
        board, hub.hub_id, m3.starts_at, matching.HubMeetingCancelled, meeting_id=m3.meeting_id, sequence=1
    )
    await bus.publish(m1, m2, m3, cancelled, held(board, m1, t[3:], t[1:3]))
    after_first = await eventually(
        lambda: engagement(at(11, 25)), lambda e: e["meetings_held"] == 1 and e["meetings_planned"] == 2
    )
    assert codes(after_first) == []
    assert after_first["hubs"][0]["present"] == 5 and after_first["hubs"][0]["absent"] == 2
    assert after_first["hubs"][0]["meetings_cancelled"] == 1

    # The second meeting: t[1] misses it again (two in a row), t[2] comes back.
    await bus.publish(held(board, m2, [t[0], t[2], *t[3:]], [t[1]]))
    second = await eventually(lambda: engagement(at(12, 12)), lambda e: e["meetings_held"] == 2)
    assert codes(second) == [("missed_meetings", str(t[1]))]

    # A hub leader records a third meeting through the API: t[1] was there, and their flag clears.
    m4 = meeting(board, hub.hub_id, at(1, 14, 2027))
    await bus.publish(m4)
    await eventually(lambda: engagement(at(1, 1, 2027)), lambda e: e["meetings_planned"] == 3)
    api.clock.set(at(1, 14, 2027) + timedelta(hours=4))
    leader = token("participant", board=board, participant_id=leaders[0].participant_id)
    recorded = await api.ok(
        "POST", f"/hub-meetings/{m4.meeting_id}/record", leader, 202, json={"present": [str(x) for x in t]}
    )
    assert recorded["present"] == 8
    third = await eventually(lambda: engagement(at(1, 20, 2027)), lambda e: e["meetings_held"] == 3)
    assert codes(third) == []

    # February 1 comes without an observation visit for the pairing: flagged; a visit held clears it.
    february = await engagement(at(2, 2, 2027))
    assert codes(february) == [("no_observation", str(t[0]))]
    visit = matching.ObservationScheduled(
        board=board,
        observation_id=uuid.uuid4(),
        visitor_id=t[0],
        host_id=mentor.participant_id,
        starts_at=at(2, 10, 2027),
        ends_at=at(2, 10, 2027) + timedelta(hours=2),
    )
    await bus.publish(visit)
    visited = await eventually(lambda: engagement(at(2, 11, 2027)), lambda e: e["observation_visits"] == 1)
    assert codes(visited) == []
    assert visited["pairings"][0]["days_since_contact"] == 0
    # Before the visit took place, the flag still stands (the clock passed in decides).
    assert codes(await engagement(at(2, 5, 2027))) == [("no_observation", str(t[0]))]


async def test_recording_a_meeting_refuses_what_did_not_happen(api, bus, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    members = [profile(board) for _ in range(3)]
    leader = profile(board, "mentor")
    hub = hub_formed(board, [p.participant_id for p in members], [leader.participant_id], at=at(9, 15))
    m = meeting(board, hub.hub_id, at(10, 20))
    gone = meeting(board, hub.hub_id, at(10, 27))
    await bus.publish(
        hub,
        m,
        gone,
        meeting(
            board,
            hub.hub_id,
            gone.starts_at,
            matching.HubMeetingCancelled,
            meeting_id=gone.meeting_id,
            sequence=1,
        ),
    )
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: e["meetings_planned"] == 1 and e["hubs"][0]["meetings_cancelled"] == 1,
    )
    api.clock.set(at(10, 30))
    stranger = uuid.uuid4()
    bad = await api.call(
        "POST",
        f"/hub-meetings/{m.meeting_id}/record",
        coordinator,
        json={
            "present": [str(stranger)],
            "absent": [str(members[0].participant_id), str(members[0].participant_id)],
        },
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"present", "absent"}
    cancelled = await api.call(
        "POST",
        f"/hub-meetings/{gone.meeting_id}/record",
        coordinator,
        json={"present": [str(members[0].participant_id)]},
    )
    assert cancelled.status_code == 409
    other_board = await api.call(
        "POST",
        f"/hub-meetings/{m.meeting_id}/record",
        token("board_coordinator", board=unique_board()),
        json={"present": [str(members[0].participant_id)]},
    )
    assert other_board.status_code == 404
    member = await api.call(
        "POST",
        f"/hub-meetings/{m.meeting_id}/record",
        token("participant", board=board, participant_id=members[0].participant_id),
        json={"present": [str(members[0].participant_id)]},
    )
    assert member.status_code == 404  # only the hub's leaders (and coordinators) record a meeting
    # No meeting became held and no pulse opened.
    surveys = await api.ok("GET", f"/boards/{board}/surveys", coordinator)
    assert surveys == []
