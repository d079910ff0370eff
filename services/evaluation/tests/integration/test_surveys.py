"""Must show 2 and 3 (in-process): suppression of small groups and of revealing differences, nobody
but the respondent reaches a response, and one pulse per meeting held, none after a cancelled one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.evaluation.config import Settings
from services.evaluation.tests.integration.helpers import (
    Listener,
    eventually,
    hub_formed,
    meeting,
    profile,
    registered,
)
from shared.events import evaluation, matching
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
NOW = datetime(2026, 11, 2, 15, tzinfo=UTC)


def answers(score: int, recommend: int = 9) -> dict:
    return {
        "confidence": score,
        "efficacy": score,
        "instructional_practice": score,
        "continuous_learning": score,
        "recommend": recommend,
        "goal_attainment": score,
    }


async def _board_with_hubs(api, bus, token, sizes: list[tuple[int, int]]):
    """Hubs of (beginning teachers, new school leaders); returns board, coordinator token, hubs' people."""
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    hubs = []
    for teachers, leaders_new in sizes:
        people = [profile(board) for _ in range(teachers)] + [
            profile(board, "new_school_leader") for _ in range(leaders_new)
        ]
        leads = [profile(board, "mentor") for _ in range(2)]
        await bus.publish(*(registered(board, p) for p in (*people, *leads)))
        formed = hub_formed(
            board,
            [p.participant_id for p in people],
            [p.participant_id for p in leads],
            at=NOW - timedelta(days=40),
        )
        await bus.publish(formed)
        hubs.append((formed, people, leads))
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == len(sizes),
    )
    return board, coordinator, hubs


async def test_small_groups_and_revealing_differences_are_suppressed(api, bus, token, evaluation_db):
    api.clock.set(NOW)
    board, coordinator, hubs = await _board_with_hubs(api, bus, token, [(5, 1), (5, 0), (4, 0)])
    (hub_a, people_a, _), (hub_b, people_b, _), (hub_c, people_c, _) = hubs

    # A board's set without French cannot open: 422 names the missing text; with it, it opens.
    extra = {
        "key": "release_days",
        "kind": "scale",
        "text": {"en": "Release days were enough."},
        "min": 1,
        "max": 5,
    }
    await api.ok("PUT", f"/boards/{board}/question-sets/core", coordinator, json={"questions": [extra]})
    refused = await api.call(
        "POST", f"/boards/{board}/surveys", coordinator, json={"program_year": YEAR, "kind": "baseline"}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["questions.7.text.fr"]
    extra["text"]["fr"] = "Les journées de libération ont suffi."
    await api.ok("PUT", f"/boards/{board}/question-sets/core", coordinator, json={"questions": [extra]})
    survey = await api.ok(
        "POST", f"/boards/{board}/surveys", coordinator, 201, json={"program_year": YEAR, "kind": "baseline"}
    )
    assert survey["invited"] == 15 and survey["questions"][-1]["key"] == "release_days"

    keys = {}
    for i, p in enumerate([*people_a, *people_b, *people_c]):
        me = token("participant", board=board, participant_id=p.participant_id)
        given = await api.ok(
            "PUT",
            f"/surveys/{survey['id']}/response",
            me,
            201,
            json={"answers": {**answers(2 + i % 3), "release_days": 3}},
        )
        keys[p.participant_id] = (me, given["response_key"])

    async def results(**filters: str) -> dict:
        return await api.ok(
            "GET",
            f"/boards/{board}/survey-results",
            coordinator,
            params={"program_year": YEAR, "kind": "baseline", **filters},
        )

    whole = await results()
    assert whole["respondents"] == 15 and not whole["suppressed"]
    confidence = next(q for q in whole["questions"] if q["key"] == "confidence")
    assert confidence["mean"] == round(sum(2 + i % 3 for i in range(15)) / 15, 2)
    small = await results(hub=str(hub_c.hub_id))
    assert small["suppressed"] and small["reason"] == "small_group" and small["respondents"] is None
    assert all(q["mean"] is None for q in small["questions"])
    # Hub A has 6, but with hub B it would give hub C (4) away by difference from the whole.
    assert (await results(hub=str(hub_a.hub_id)))["reason"] == "difference"
    # Beginning teachers are 14 of 15: the whole minus them is the one new school leader.
    assert (await results(role="beginning_teacher"))["reason"] == "difference"

    # Nobody reaches an individual response but its respondent: not a coordinator, not a principal
    # (a school leader taking part in the program), not province staff — 404 on every path.
    me, key = keys[people_a[0].participant_id]
    assert (
        await api.call("GET", f"/surveys/{survey['id']}/response", me, headers={"X-Response-Key": key})
    ).status_code == 200
    principal = token(
        "participant", board=board, participant_id=people_a[5].participant_id
    )  # the new school leader
    for reader in (coordinator, principal, token("province_admin")):
        for path in (
            f"/surveys/{survey['id']}/response",
            f"/surveys/{survey['id']}/responses/{uuid.uuid4()}",
            f"/surveys/{survey['id']}/responses",
        ):
            response = await api.call("GET", path, reader, headers={"X-Response-Key": "not-theirs"})
            assert response.status_code == 404, (path, response.status_code)
    # One response per person: a second without the key is refused; with it, an edit until it closes.
    again = await api.call(
        "PUT", f"/surveys/{survey['id']}/response", me, json={"answers": {**answers(5), "release_days": 4}}
    )
    assert again.status_code == 409
    bad = await api.call(
        "PUT",
        f"/surveys/{survey['id']}/response",
        me,
        json={"answers": {"confidence": 9, "nope": 1}},
        headers={"X-Response-Key": key},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {
        "answers.confidence",
        "answers.nope",
        "answers.efficacy",
    }
    edited = await api.call(
        "PUT",
        f"/surveys/{survey['id']}/response",
        me,
        json={"answers": {**answers(5), "release_days": 4}},
        headers={"X-Response-Key": key},
    )
    assert edited.status_code == 200 and edited.json()["response_key"] is None
    # No answer row names a person (no such column, no participant's id in any value); the 15 ballots
    # of this anonymous survey name nobody in clear either.
    ids = {str(p.participant_id) for p in [*people_a, *people_b, *people_c]}
    engine = create_async_engine(evaluation_db)
    async with engine.connect() as conn:
        columns = set(
            (
                await conn.execute(
                    sa.text(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = 'responses'"
                    )
                )
            ).scalars()
        )
        rows = (
            (
                await conn.execute(
                    sa.text("SELECT r::text FROM responses r WHERE survey_id = :s"), {"s": survey["id"]}
                )
            )
            .scalars()
            .all()
        )
        voters = (
            (
                await conn.execute(
                    sa.text("SELECT voter FROM ballots WHERE survey_id = :s"), {"s": survey["id"]}
                )
            )
            .scalars()
            .all()
        )
    await engine.dispose()
    assert columns == {"id", "survey_id", "board", "hub_id", "role", "answers", "edit_key_hash"}
    assert len(rows) == 15 and not any(i in row for row in rows for i in ids)
    assert len(voters) == 15 and not ids & set(voters)
    api.clock.set(datetime.fromisoformat(survey["closes_at"]) + timedelta(seconds=1))
    closed = await api.call(
        "PUT",
        f"/surveys/{survey['id']}/response",
        me,
        json={"answers": answers(1)},
        headers={"X-Response-Key": key},
    )
    assert closed.status_code == 409

    # Mid-year: hub C does not answer. Hub B alone (5) shows; hub B's teachers (5) show too; hub A's
    # teachers (5 of A's 6) would reveal A's new school leader by difference.
    api.clock.set(NOW + timedelta(days=100))
    mid = await api.ok(
        "POST",
        f"/boards/{board}/surveys",
        coordinator,
        201,
        json={"program_year": YEAR, "kind": "mid_year", "mode": "confidential"},
    )
    for p in [*people_a, *people_b]:
        await api.ok(
            "PUT",
            f"/surveys/{mid['id']}/response",
            token("participant", board=board, participant_id=p.participant_id),
            201,
            json={"answers": {**answers(4), "release_days": 2}},
        )

    async def mid_results(**filters: str) -> dict:
        return await api.ok(
            "GET",
            f"/boards/{board}/survey-results",
            coordinator,
            params={"program_year": YEAR, "kind": "mid_year", **filters},
        )

    assert (await mid_results(hub=str(hub_b.hub_id)))["respondents"] == 5
    assert (await mid_results(hub=str(hub_b.hub_id), role="beginning_teacher"))["respondents"] == 5
    assert (await mid_results(hub=str(hub_a.hub_id), role="beginning_teacher"))["reason"] == "difference"
    # Another board's coordinator sees nothing of it.
    other = await api.call(
        "GET",
        f"/boards/{board}/survey-results",
        token("board_coordinator", board=unique_board()),
        params={"program_year": YEAR, "kind": "mid_year"},
    )
    assert other.status_code == 404


@pytest.mark.asyncio(loop_scope="session")
async def test_the_minimum_group_is_configurable_but_never_below_three():
    assert Settings(min_group_size=3).min_group_size == 3
    with pytest.raises(ValueError, match="never|smallest"):
        Settings(min_group_size=2)


async def test_a_pulse_opens_once_per_meeting_held_never_after_a_cancelled_one(api, bus, token, infra):
    api.clock.set(NOW)
    board, coordinator, hubs = await _board_with_hubs(api, bus, token, [(6, 0)])
    formed, people, leaders = hubs[0]
    listener = await Listener.open(
        infra.rabbitmq_url, api.settings.exchange_name, "evaluation.survey_opened.#"
    )
    try:
        m1 = meeting(board, formed.hub_id, NOW - timedelta(days=3))
        m2 = meeting(board, formed.hub_id, NOW - timedelta(days=2))
        m3 = meeting(board, formed.hub_id, NOW - timedelta(days=1))
        m4 = meeting(board, formed.hub_id, NOW - timedelta(hours=12))
        cancel = meeting(
            board,
            formed.hub_id,
            m2.starts_at,
            matching.HubMeetingCancelled,
            meeting_id=m2.meeting_id,
            sequence=1,
        )
        await bus.publish(m1, m2, m3, m4, cancel)
        await eventually(
            lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
            lambda e: e["meetings_planned"] == 3,
        )
        leader = token("participant", board=board, participant_id=leaders[0].participant_id)
        present = [str(p.participant_id) for p in people[:5]]
        await api.ok(
            "POST",
            f"/hub-meetings/{m1.meeting_id}/record",
            leader,
            202,
            json={"present": present, "absent": [str(people[5].participant_id)]},
        )
        first = await listener.take(1, board=board)
        assert first[0].meeting_id == m1.meeting_id
        assert sorted(first[0].invitees) == sorted(p.participant_id for p in people[:5])
        # Recorded again (a correction) and its event delivered twice: still one pulse.
        await api.ok("POST", f"/hub-meetings/{m1.meeting_id}/record", leader, 202, json={"present": present})
        twice = evaluation.HubMeetingRecorded(
            board=board,
            meeting_id=m1.meeting_id,
            hub_id=formed.hub_id,
            held_at=m1.starts_at,
            recorded_at=NOW,
            present=[people[0].participant_id],
        )
        await bus.publish(twice, twice)
        # The cancelled meeting: refused through the API, and ignored when its "held" comes off the bus.
        assert (
            await api.call("POST", f"/hub-meetings/{m2.meeting_id}/record", leader, json={"present": present})
        ).status_code == 409
        await bus.publish(
            evaluation.HubMeetingRecorded(
                board=board,
                meeting_id=m2.meeting_id,
                hub_id=formed.hub_id,
                held_at=m2.starts_at,
                recorded_at=NOW,
                present=[people[0].participant_id],
            )
        )
        await api.ok("POST", f"/hub-meetings/{m3.meeting_id}/record", leader, 202, json={"present": present})
        # The positive signal that everything published before it was handled: the fourth meeting,
        # recorded through the same queue after the duplicates and the cancelled one, has its pulse.
        await bus.publish(
            evaluation.HubMeetingRecorded(
                board=board,
                meeting_id=m4.meeting_id,
                hub_id=formed.hub_id,
                held_at=m4.starts_at,
                recorded_at=NOW,
                present=[people[5].participant_id],
            )
        )
        opened = await listener.take(2, board=board)
        assert sorted(e.meeting_id for e in opened) == sorted([m3.meeting_id, m4.meeting_id])
        assert await listener.nothing_more(board=board)
        pulses = await api.ok("GET", f"/boards/{board}/surveys", coordinator)
        assert sorted(s["meeting_id"] for s in pulses) == sorted(str(m.meeting_id) for m in (m1, m3, m4))
        assert all(s["kind"] == "pulse" for s in pulses)
        assert [s["invited"] for s in pulses if s["meeting_id"] != str(m4.meeting_id)] == [5, 5]
        # Those present find it among their surveys, in both languages.
        mine = await api.ok(
            "GET", "/me/surveys", token("participant", board=board, participant_id=people[0].participant_id)
        )
        assert len(mine) == 2 and all(s["open"] and not s["responded"] for s in mine)
        assert mine[0]["questions"][0]["text"]["fr"]
    finally:
        await listener.close()
