"""Schedules follow the program year: rounds open by themselves after Workshop 1, after Workshop 2 and
in May, once each; an anonymous survey's ballots name nobody once it has closed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.evaluation.service_layer.surveys import keep_schedule
from services.evaluation.tests.integration.helpers import (
    Listener,
    eventually,
    hub_formed,
    profile,
    registered,
)
from shared.events import registration
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2031-2032"  # a year of its own: the schedule looks at every board of the year


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 15, tzinfo=UTC)


async def test_rounds_open_on_the_program_year_once_and_closed_ballots_forget_who(
    api, bus, token, evaluation_db
):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    people = [profile(board, year=YEAR) for _ in range(5)]
    leads = [profile(board, "mentor", year=YEAR) for _ in range(2)]
    workshops = [
        registration.SessionScheduled(
            board=board,
            session_id=uuid.uuid4(),
            kind="workshop",
            title=f"Workshop {n}",
            starts_at=day.isoformat(),
            ends_at=(day + timedelta(hours=6)).isoformat(),
        )
        for n, day in ((1, at(2031, 10, 20)), (2, at(2032, 2, 9)))
    ]
    formed = hub_formed(
        board,
        [p.participant_id for p in people],
        [p.participant_id for p in leads],
        at=at(2031, 9, 20),
        year=YEAR,
    )
    await bus.publish(*(registered(board, p) for p in (*people, *leads)), formed, *workshops)
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == 1,
    )
    runtime = api.app.state.runtime

    async def tick(now: datetime) -> list[str]:
        outcome = await keep_schedule(runtime.system_uow, now=now, mode="anonymous")
        return [kind for b, kind in outcome.opened if b == board]

    async def kinds() -> list[str]:
        return [
            s["kind"]
            for s in await api.ok(
                "GET", f"/boards/{board}/surveys", coordinator, params={"program_year": YEAR}
            )
        ]

    assert await tick(at(2031, 10, 19)) == []  # before Workshop 1
    assert await tick(at(2031, 10, 21)) == ["baseline"]  # after Workshop 1
    assert await tick(at(2031, 10, 22)) == []  # once
    baseline = (await api.ok("GET", f"/boards/{board}/surveys", coordinator, params={"program_year": YEAR}))[
        0
    ]
    api.clock.set(at(2031, 10, 25))
    me = token("participant", board=board, participant_id=people[0].participant_id)
    answers = {
        "confidence": 3,
        "efficacy": 3,
        "instructional_practice": 3,
        "continuous_learning": 3,
        "recommend": 8,
        "goal_attainment": 3,
    }
    await api.ok("PUT", f"/surveys/{baseline['id']}/response", me, 201, json={"answers": answers})
    mine = {s["id"]: s for s in await api.ok("GET", "/me/surveys", me)}
    assert mine[baseline["id"]]["responded"] is True
    assert await tick(at(2032, 2, 8)) == []
    assert await tick(at(2032, 2, 10)) == ["mid_year"]  # after Workshop 2
    assert await tick(at(2032, 5, 2)) == ["end_of_year"]  # May
    assert await kinds() == ["baseline", "mid_year", "end_of_year"]

    # It closes; the schedule erases its salt: the ballot no longer leads back to anyone.
    await tick(datetime.fromisoformat(baseline["closes_at"]) + timedelta(minutes=1))
    engine = create_async_engine(evaluation_db)
    async with engine.connect() as conn:
        voters = (
            (
                await conn.execute(
                    sa.text("SELECT voter FROM ballots WHERE survey_id = :s"), {"s": baseline["id"]}
                )
            )
            .scalars()
            .all()
        )
        salt = await conn.scalar(
            sa.text("SELECT count(*) FROM survey_salts WHERE survey_id = :s"), {"s": baseline["id"]}
        )
    await engine.dispose()
    assert len(voters) == 1 and str(people[0].participant_id) not in voters[0] and salt == 0
    mine = {s["id"]: s for s in await api.ok("GET", "/me/surveys", me)}
    assert mine[baseline["id"]]["responded"] is None


async def test_a_confidential_survey_reminds_those_who_have_not_answered_once(api, bus, token, infra):
    year = "2033-2034"
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    people = [profile(board, year=year) for _ in range(5)]
    formed = hub_formed(
        board, [p.participant_id for p in people], [uuid.uuid4()], at=at(2033, 9, 20), year=year
    )
    await bus.publish(*(registered(board, p) for p in people), formed)
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": year}),
        lambda e: len(e["hubs"]) == 1,
    )
    api.clock.set(at(2033, 11, 1))
    confidential = await api.ok(
        "POST",
        f"/boards/{board}/surveys",
        coordinator,
        201,
        json={
            "program_year": year,
            "kind": "baseline",
            "mode": "confidential",
            "closes_at": at(2033, 11, 20).isoformat(),
        },
    )
    anonymous = await api.ok(
        "POST",
        f"/boards/{board}/surveys",
        coordinator,
        201,
        json={"program_year": year, "kind": "mid_year", "closes_at": at(2033, 11, 20).isoformat()},
    )
    answers = {
        "confidence": 3,
        "efficacy": 3,
        "instructional_practice": 3,
        "continuous_learning": 3,
        "recommend": 8,
        "goal_attainment": 3,
    }
    for p in people[:2]:
        me = token("participant", board=board, participant_id=p.participant_id)
        for survey in (confidential, anonymous):
            await api.ok("PUT", f"/surveys/{survey['id']}/response", me, 201, json={"answers": answers})
    runtime = api.app.state.runtime
    listener = await Listener.open(
        infra.rabbitmq_url, api.settings.exchange_name, "evaluation.survey_reminder_requested.#"
    )
    try:
        early = await keep_schedule(runtime.system_uow, now=at(2033, 11, 10), mode="anonymous")
        assert early.reminded == 0  # not in its last three days yet
        due = await keep_schedule(runtime.system_uow, now=at(2033, 11, 18), mode="anonymous")
        assert due.reminded == 1  # the confidential survey only
        (event,) = await listener.take(1, board=board)
        assert event.survey_id == uuid.UUID(confidential["id"])
        assert sorted(event.invitees) == sorted(p.participant_id for p in people[2:])
        again = await keep_schedule(runtime.system_uow, now=at(2033, 11, 19), mode="anonymous")
        assert again.reminded == 0  # once
    finally:
        await listener.close()
