"""The board's harvest is published once (HarvestPublished names the year's hub members and leaders, ids
only); a pairing that ended (MentorUnpaired) leaves engagement, whatever order the two events arrive in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.evaluation.adapters.repository import EvaluationRepository
from services.evaluation.service_layer import facts
from services.evaluation.tests.integration.helpers import (
    Listener,
    eventually,
    hub_formed,
    profile,
    registered,
)
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events import evaluation, matching
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
MAY = datetime(2027, 5, 20, 15, tzinfo=UTC)


async def test_a_board_publishes_its_harvest_once_and_its_people_are_named_by_id(api, bus, token, infra):
    api.clock.set(MAY)
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    people = [profile(board) for _ in range(5)]
    leads = [profile(board, "mentor") for _ in range(2)]
    formed = hub_formed(
        board,
        [p.participant_id for p in people],
        [p.participant_id for p in leads],
        at=MAY - timedelta(days=200),
    )
    await bus.publish(*(registered(board, p) for p in (*people, *leads)), formed)
    await eventually(
        lambda: api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR}),
        lambda e: len(e["hubs"]) == 1,
    )
    params = {"program_year": YEAR}
    # Nothing to publish before a theme exists.
    empty = await api.call("POST", f"/boards/{board}/harvest/publication", coordinator, params=params)
    assert empty.status_code == 409, empty.text
    me = token("participant", board=board, participant_id=people[0].participant_id)
    story = await api.ok(
        "POST",
        f"/hubs/{formed.hub_id}/harvest/items",
        me,
        201,
        json={"phase": "discover", "text": "Co-planning"},
    )
    for title in ("Time to observe", "Planning together"):
        await api.ok(
            "POST",
            f"/hubs/{formed.hub_id}/harvest/themes",
            me,
            201,
            json={"title": title, "items": [story["id"]]},
        )
    listener = await Listener.open(infra.rabbitmq_url, api.settings.exchange_name, "evaluation.#")
    try:
        before = await api.ok("GET", f"/boards/{board}/harvest/publication", coordinator, params=params)
        assert before["published_at"] is None
        # Another board's coordinator cannot publish it.
        stranger = token("board_coordinator", board=unique_board())
        refused = await api.call("POST", f"/boards/{board}/harvest/publication", stranger, params=params)
        assert refused.status_code == 404
        published = await api.ok(
            "POST", f"/boards/{board}/harvest/publication", coordinator, 201, params=params
        )
        assert published["told"] == 7 and published["themes"] == ["Planning together", "Time to observe"]
        (event,) = await listener.take(1, board=board)
        assert isinstance(event, evaluation.HarvestPublished)
        assert set(event.invitees) == {p.participant_id for p in (*people, *leads)}
        assert event.themes == ["Planning together", "Time to observe"] and event.propositions == 0
        # Once a year: a second publication is refused, and no second event follows.
        again = await api.call("POST", f"/boards/{board}/harvest/publication", coordinator, params=params)
        assert again.status_code == 409
        after = await api.ok("GET", f"/boards/{board}/harvest/publication", coordinator, params=params)
        assert after["published_at"] is not None
        # The positive signal: the board's next event (a round opened after the refusal) comes next,
        # with no second HarvestPublished before it, and nothing after it.
        await api.ok(
            "POST",
            f"/boards/{board}/surveys",
            coordinator,
            201,
            json={"program_year": YEAR, "kind": "end_of_year"},
        )
        (following,) = await listener.take(1, board=board)
        assert isinstance(following, evaluation.SurveyOpened)
        assert await listener.nothing_more(board=board)
    finally:
        await listener.close()


async def test_an_ended_pairing_leaves_engagement(api, bus, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    teacher, mentor = profile(board), profile(board, "mentor")
    at = datetime(2026, 9, 20, 12, tzinfo=UTC)
    paired = matching.MentorPaired(
        board=board,
        program_year=YEAR,
        teacher_id=teacher.participant_id,
        mentor_id=mentor.participant_id,
        occurred_at=at,
    )
    await bus.publish(registered(board, teacher), registered(board, mentor), paired)

    async def pairings() -> list:
        found = await api.ok("GET", f"/boards/{board}/engagement", coordinator, params={"program_year": YEAR})
        return found["pairings"]

    await eventually(pairings, lambda p: len(p) == 1)
    await bus.publish(
        matching.MentorUnpaired(
            board=board,
            program_year=YEAR,
            teacher_id=teacher.participant_id,
            mentor_id=mentor.participant_id,
            occurred_at=at + timedelta(days=3),
        )
    )
    await eventually(pairings, lambda p: p == [])


async def test_an_end_that_arrives_before_its_pairing_still_ends_it(evaluation_db):
    """Out of order on the real database: the end first, then the older pairing, then a new pairing."""
    board = unique_board()
    teacher, mentor, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 9, 20, 12, tzinfo=UTC)
    engine = make_engine(evaluation_db)
    sessions = make_session_factory(engine)

    def paired(who: uuid.UUID, when: datetime) -> matching.MentorPaired:
        return matching.MentorPaired(
            board=board, program_year=YEAR, teacher_id=teacher, mentor_id=who, occurred_at=when
        )

    async def handle(event) -> list:
        async with UnitOfWork(sessions) as uow:
            if isinstance(event, matching.MentorUnpaired):
                await facts.mentor_unpaired(uow, event)
            else:
                await facts.mentor_paired(uow, event)
            await uow.commit()
        async with UnitOfWork(sessions) as uow:
            found = await EvaluationRepository(uow.session).board_facts(board, YEAR)
        return [(p.teacher_id, p.mentor_id) for p in found.pairings]

    try:
        ended = matching.MentorUnpaired(
            board=board,
            program_year=YEAR,
            teacher_id=teacher,
            mentor_id=mentor,
            occurred_at=at + timedelta(days=2),
        )
        assert await handle(ended) == []
        assert await handle(paired(mentor, at)) == []  # older than its end: stays ended
        # A re-pairing with someone else after the end counts again.
        assert await handle(paired(other, at + timedelta(days=2))) == [(teacher, other)]
        # The former mentor's end (published with the re-pairing) does not end the new pairing.
        assert await handle(ended) == [(teacher, other)]
    finally:
        await engine.dispose()
