"""Release days against a real PostgreSQL: the scheduler books within the occasional teachers the
database holds, two schedulers at once never over-book, and observation debriefs stay private.

The HTTP routes run in-process (httpx ASGI transport) on the test database: fast, no processes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.matching.adapters.tables import ParticipantView
from services.matching.domain.release_days import HubToSchedule, SchedulingPolicy
from services.matching.entrypoints.meetings_http import router
from services.matching.service_layer import release_days as service
from services.matching.service_layer.workshop_days import record_enrolment, record_session
from shared.auth import TokenVerifier
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import EnrolmentConfirmed, SessionChanged, SessionScheduled
from shared.migrations import drop_database, upgrade
from shared.problems import install_problem_handlers
from shared.testing.fixtures import test_settings as make_test_settings
from shared.testing.helpers import auth, unique_board
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
HOLIDAYS = [date(2026, 10, 12), *(date(2026, 12, 21) + timedelta(n) for n in range(12)), date(2027, 2, 15)]
HOLIDAYS += [date(2027, 3, 15) + timedelta(n) for n in range(5)] + [date(2027, 4, 2), date(2027, 5, 24)]
PA_DAYS = [date(2026, 10, 9), date(2026, 11, 20), date(2027, 1, 29)]
CALENDAR = {
    "first_day": "2026-09-03",
    "last_day": "2027-06-29",
    "holidays": [d.isoformat() for d in HOLIDAYS],
    "pa_days": [d.isoformat() for d in PA_DAYS],
}
WINDOW = {"start": "2026-10-01", "end": "2027-05-31"}


class _Runtime:
    def __init__(self, factory: async_sessionmaker[AsyncSession]):
        self.factory = factory

    def uow(self, *, board: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.factory, board=board)


@dataclass
class Db:
    url: str
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.factory)

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def events(self, board: str, event_type: str) -> list[dict[str, Any]]:
        rows = await self.fetch(
            "SELECT body FROM outbox WHERE board = $1 AND event_type = $2 ORDER BY id", board, event_type
        )
        return [json.loads(r["body"]) for r in rows]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(infra, run_prefix) -> AsyncIterator[Db]:  # type: ignore[no-untyped-def]
    url = infra.database_url(f"{run_prefix}_match_release")
    await upgrade("matching", url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    app = FastAPI()
    app.state.runtime = _Runtime(factory)
    app.state.token_verifier = TokenVerifier(make_test_settings())
    install_problem_handlers(app)
    app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://matching"
    ) as client:
        yield Db(url, engine, factory, client)
    await engine.dispose()
    await drop_database(url)


def hub_body(n: int, members: int = 7) -> dict[str, Any]:
    return {
        "hub_id": str(uuid.uuid4()),
        "members": [str(uuid.uuid4()) for _ in range(members)],
        "leaders": [str(uuid.uuid4()) for _ in range(2)],
    }


async def prepare_board(
    db: Db, coordinator: str, board: str, available: int, days: list[date] | None = None
) -> None:
    response = await db.client.put(
        f"/v1/boards/{board}/calendars/{YEAR}", json=CALENDAR, headers=auth(coordinator)
    )
    assert response.status_code == 200, response.text
    school_days = response.json()["school_days"]
    assert school_days > 180
    if days is None:
        async with db.uow() as uow:
            row = await service.get_calendar(uow, board, YEAR)
            days = service.calendar_of(row).school_days()
    csv_text = "date,available\n" + "".join(f"{d.isoformat()},{available}\n" for d in days)
    imported = await db.client.post(
        f"/v1/boards/{board}/release-capacity/csv",
        content=csv_text.encode(),
        headers={**auth(coordinator), "content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"days_set": len(days)}


async def ledger(db: Db, board: str) -> dict[date, tuple[int, int]]:
    rows = await db.fetch("SELECT day, capacity, booked FROM release_day_bookings WHERE board = $1", board)
    return {r["day"]: (r["capacity"], r["booked"]) for r in rows}


async def assert_ledger_matches_meetings(db: Db, board: str) -> None:
    """Every day's booked count is exactly the releases of its meetings and visits, within capacity."""
    rows = await db.fetch(
        "SELECT day, sum(releases) AS n FROM (SELECT day, releases FROM hub_meetings WHERE board = $1 "
        "AND status = 'scheduled' UNION ALL SELECT day, releases FROM observations WHERE board = $1 "
        "AND status = 'scheduled') used GROUP BY day",
        board,
    )
    used = {r["day"]: r["n"] for r in rows}
    for day, (capacity, booked) in (await ledger(db, board)).items():
        assert booked == used.get(day, 0), day
        assert booked <= capacity, day


async def test_twelve_hubs_four_meetings_twenty_occasional_teachers_a_day(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    await prepare_board(db, coordinator, board, available=20)
    hubs = [hub_body(n, members=6 + n % 3) for n in range(12)]
    # Registration tells matching about Workshop 1 (moved once; the older version arrives late)
    # and who is confirmed in it: half the hubs' people.
    workshop = uuid.uuid4()
    first = SessionScheduled(
        board=board,
        session_id=workshop,
        kind="workshop",
        title="Mentorship Workshop 1",
        starts_at="2026-10-15T09:00:00-04:00",
        ends_at="2026-10-15T15:00:00-04:00",
        location="Board office",
    )
    moved = SessionChanged(**{**first.model_dump(), "event_id": uuid.uuid4(), "sequence": 1})
    moved = moved.model_copy(update={"starts_at": datetime.fromisoformat("2026-10-22T09:00:00-04:00")})
    attendees = [p for h in hubs[:6] for p in (*h["members"], *h["leaders"])]
    async with db.uow() as uow:
        await record_session(uow, moved)
        await record_session(uow, first)  # late, older: ignored
        for person in attendees:
            await record_enrolment(
                uow, EnrolmentConfirmed(board=board, session_id=workshop, participant_id=uuid.UUID(person))
            )
        await uow.commit()
    # Other participants' busy days come in the request as data.
    extra = {hubs[7]["leaders"][0]: ["2026-11-04", "2027-02-10"]}

    response = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule",
        json={"program_year": YEAR, "hubs": hubs, "meetings_per_hub": 4, "workshop_days": extra, **WINDOW},
        headers=auth(coordinator),
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["unscheduled"] == []
    meetings = result["scheduled"]
    assert Counter(m["hub_id"] for m in meetings) == {h["hub_id"]: 4 for h in hubs}
    closed = {d.isoformat() for d in HOLIDAYS + PA_DAYS}
    by_hub = {h["hub_id"]: h for h in hubs}
    for meeting in meetings:
        day = date.fromisoformat(meeting["day"])
        assert meeting["day"] not in closed and day.weekday() < 5
        hub = by_hub[meeting["hub_id"]]
        assert meeting["attendees"] == [*hub["members"], *hub["leaders"]]
        assert meeting["releases"] == len(hub["members"]) + 2
        if hub in hubs[:6]:
            assert day != date(2026, 10, 22), "a member's workshop day"
        assert meeting["starts_at"].startswith(f"{meeting['day']}T09:00:00")
    assert not {m["day"] for m in meetings if m["hub_id"] == hubs[7]["hub_id"]} & {"2026-11-04", "2027-02-10"}
    per_day: Counter[str] = Counter()
    for meeting in meetings:
        per_day[meeting["day"]] += meeting["releases"]
    assert max(per_day.values()) <= 20
    await assert_ledger_matches_meetings(db, board)
    events = await db.events(board, "HubMeetingScheduled")
    assert len(events) == 48
    assert {e["meeting_id"] for e in events} == {m["id"] for m in meetings}
    assert all(e["release_time"] and len(e["attendees"]) >= 8 for e in events)

    # Scheduling the same hubs again changes nothing: they already meet.
    again = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule",
        json={"program_year": YEAR, "hubs": hubs[:1], **WINDOW},
        headers=auth(coordinator),
    )
    assert (
        again.json()["scheduled"] == [] and "already has meetings" in again.json()["unscheduled"][0]["reason"]
    )
    other = token("board_coordinator", board=unique_board())
    assert (await db.client.get(f"/v1/boards/{board}/hub-meetings", headers=auth(other))).status_code == 404


async def test_too_few_occasional_teachers_says_which_hubs_and_why_and_over_books_nothing(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    days = [date(2026, m if m > 9 else m, 6) for m in (10, 11, 12)] + [date(2027, m, 9) for m in (2, 3, 4, 5)]
    days = [d for d in days if d.weekday() < 5 and d not in HOLIDAYS + PA_DAYS]
    await prepare_board(db, coordinator, board, available=20, days=days)
    hubs = [hub_body(n) for n in range(6)]  # 9 releases each: two hubs a day fit
    response = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule",
        json={"program_year": YEAR, "hubs": hubs, "meetings_per_hub": 3, **WINDOW},
        headers=auth(coordinator),
    )
    assert response.status_code == 200, response.text
    result = response.json()
    scheduled = {m["hub_id"] for m in result["scheduled"]}
    assert 0 < len(scheduled) < 6
    assert {u["hub_id"] for u in result["unscheduled"]} == {h["hub_id"] for h in hubs} - scheduled
    for unscheduled in result["unscheduled"]:
        assert unscheduled["code"] == "occasional_teachers"
        assert "needs 9 occasional teachers" in unscheduled["reason"]
    await assert_ledger_matches_meetings(db, board)
    # The coordinator's fallback: the same hubs after school, with no release.
    left_out = [h for h in hubs if h["hub_id"] not in scheduled]
    fallback = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule",
        json={"program_year": YEAR, "hubs": left_out, "meetings_per_hub": 3, "release_time": False, **WINDOW},
        headers=auth(coordinator),
    )
    body = fallback.json()
    assert body["unscheduled"] == [] and len(body["scheduled"]) == 3 * len(left_out)
    assert all(m["releases"] == 0 and m["starts_at"][11:16] == "15:45" for m in body["scheduled"])
    await assert_ledger_matches_meetings(db, board)


async def test_two_schedulers_at_the_same_moment_never_over_book(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    days = [date(2026, 10, 6), date(2026, 11, 3), date(2026, 12, 1), date(2027, 2, 2)]
    await prepare_board(db, coordinator, board, available=20, days=days)
    hubs = [
        HubToSchedule(str(uuid.uuid4()), tuple(str(uuid.uuid4()) for _ in range(8)), (str(uuid.uuid4()),))
        for _ in range(6)
    ]  # 9 releases each: at most two hubs per day, four hubs in all

    async def run(part: list[HubToSchedule]) -> service.ScheduleOutcome:
        async with db.uow() as uow:
            outcome = await service.schedule_hub_meetings(
                uow,
                board=board,
                program_year=YEAR,
                hubs=part,
                policy=SchedulingPolicy(4, start=date(2026, 10, 1), end=date(2027, 5, 31)),
            )
            await asyncio.sleep(0.2)  # hold the locks: the other scheduler must wait, not over-book
            await uow.commit()
            return outcome

    first, second = await asyncio.gather(run(hubs[:3]), run(hubs[3:]))
    scheduled = len({m.hub_id for m in [*first.meetings, *second.meetings]})
    assert scheduled == 2  # 4 days × 20 = 80 releases = 2 hubs × 4 meetings × 9 (+8 spare)
    assert len(first.unscheduled) + len(second.unscheduled) == 4
    for day, (capacity, booked) in (await ledger(db, board)).items():
        assert booked <= capacity, day
    await assert_ledger_matches_meetings(db, board)


async def test_the_database_itself_refuses_over_booking(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    day = date(2026, 10, 7)
    await prepare_board(db, coordinator, board, available=20, days=[day])

    async def stale_booking(n: int) -> str:
        # A scheduler that planned on a stale read (no lock): the conditional UPDATE still decides.
        async with db.uow() as uow:
            try:
                await service.book(uow, board, {day: n})
            except service.CapacityTaken:
                return "refused"
            await asyncio.sleep(0.2)
            await uow.commit()
            return "booked"

    outcomes = await asyncio.gather(stale_booking(15), stale_booking(15))
    assert sorted(outcomes) == ["booked", "refused"]
    assert (await ledger(db, board))[day] == (20, 15)
    # And the CHECK constraint holds against any other writer.
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                service.BOOKINGS.update().where(service.BOOKINGS.c.board == board).values(booked=21)
            )
    # Capacity cannot be lowered below what is booked.
    lowered = await db.client.put(
        f"/v1/boards/{board}/release-capacity",
        json={"days": [{"date": day.isoformat(), "available": 10}]},
        headers=auth(coordinator),
    )
    assert lowered.status_code == 409 and lowered.json()["errors"][0]["field"] == f"days.{day.isoformat()}"
    bad_csv = await db.client.post(
        f"/v1/boards/{board}/release-capacity/csv",
        content=b"date,available\n2026-13-01,4\n",
        headers={**auth(coordinator), "content-type": "text/csv"},
    )
    assert bad_csv.status_code == 422 and bad_csv.json()["errors"][0] == {
        "field": "date",
        "row": 2,
        "message": "not a date (YYYY-MM-DD): '2026-13-01'",
    }


async def test_move_cancel_and_the_release_day_report(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    await prepare_board(db, coordinator, board, available=20)
    hubs = [hub_body(0, members=6), hub_body(1, members=7)]
    scheduled = (
        await db.client.post(
            f"/v1/boards/{board}/hub-meetings/schedule",
            json={"program_year": YEAR, "hubs": hubs, "meetings_per_hub": 3, **WINDOW},
            headers=auth(coordinator),
        )
    ).json()["scheduled"]
    meeting = next(m for m in scheduled if m["hub_id"] == hubs[0]["hub_id"])
    url = f"/v1/hub-meetings/{meeting['id']}"
    holiday = await db.client.post(f"{url}/reschedule", json={"day": "2027-02-15"}, headers=auth(coordinator))
    assert holiday.status_code == 409 and holiday.json()["errors"][0]["field"] == "day"
    assert "a holiday" in holiday.json()["detail"]
    target = date.fromisoformat(meeting["day"]) + timedelta(days=1)
    while target.weekday() >= 5 or target in HOLIDAYS + PA_DAYS:
        target += timedelta(days=1)
    moved = await db.client.post(
        f"{url}/reschedule", json={"day": target.isoformat()}, headers=auth(coordinator)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1 and moved.json()["day"] == target.isoformat()
    await assert_ledger_matches_meetings(db, board)
    cancelled = await db.client.post(f"{url}/cancellation", headers=auth(coordinator))
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 2
    await assert_ledger_matches_meetings(db, board)
    (rescheduled,) = await db.events(board, "HubMeetingRescheduled")
    (gone,) = await db.events(board, "HubMeetingCancelled")
    assert rescheduled["meeting_id"] == gone["meeting_id"] == meeting["id"] and gone["sequence"] == 2

    report = await db.client.get(
        f"/v1/boards/{board}/release-days/report",
        params={"program_year": YEAR, "daily_rate": "250"},
        headers=auth(coordinator),
    )
    assert report.status_code == 200, report.text
    body = report.json()
    # Hub 0: 2 meetings left × 8 released; hub 1: 3 meetings × 9.
    assert body["release_days"] == 2 * 8 + 3 * 9 and body["meetings"] == 5
    assert Decimal(body["cost"]) == Decimal(250 * (2 * 8 + 3 * 9))
    assert {line["key"]: line["release_days"] for line in body["by_hub"]} == {
        hubs[0]["hub_id"]: 16,
        hubs[1]["hub_id"]: 27,
    }
    assert sum(line["release_days"] for line in body["by_month"]) == 43
    as_csv = await db.client.get(
        f"/v1/boards/{board}/release-days/report",
        params={"program_year": YEAR},
        headers={**auth(coordinator), "accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0] == "section,key,release_days,meetings,observations,cost"
    other = token("board_coordinator", board=unique_board())
    forbidden = await db.client.get(
        f"/v1/boards/{board}/release-days/report", params={"program_year": YEAR}, headers=auth(other)
    )
    assert forbidden.status_code == 404


def _view(board: str, role: str, hr_id: str, evaluates: list[str] | None = None) -> ParticipantView:
    return ParticipantView(
        participant_id=uuid.uuid4(),
        board=board,
        program_year=YEAR,
        revision=1,
        hr_id=hr_id,
        role=role,
        display_name="x",
        language="en",
        evaluates_hr_ids=evaluates or [],
    )


async def test_observation_visit_and_a_debrief_only_the_teacher_and_their_mentor_read(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    await prepare_board(db, coordinator, board, available=1, days=[date(2026, 11, 2), date(2026, 11, 4)])
    teacher = _view(board, "beginning_teacher", "T1")
    host = _view(board, "mentor", "H1")
    mentor = _view(board, "mentor", "M1")
    principal_mentor = _view(board, "mentor", "P1", evaluates=["T1"])  # supervises the teacher
    peer = _view(board, "beginning_teacher", "T2")
    async with db.uow() as uow:
        uow.session.add_all([teacher, host, mentor, principal_mentor, peer])
        await uow.commit()

    def as_participant(view: ParticipantView) -> dict[str, str]:
        return auth(token("participant", board=board, participant_id=view.participant_id))

    request = {
        "program_year": YEAR,
        "visitor_id": str(teacher.participant_id),
        "host_id": str(host.participant_id),
        "not_before": "2026-11-01",
    }
    assert (
        await db.client.post("/v1/observations", json=request, headers=as_participant(peer))
    ).status_code == 403
    visit = await db.client.post("/v1/observations", json=request, headers=as_participant(teacher))
    assert visit.status_code == 201, visit.text
    assert visit.json()["day"] == "2026-11-02" and visit.json()["releases"] == 1
    (event,) = await db.events(board, "ObservationScheduled")
    assert event["visitor_id"] == str(teacher.participant_id) and event["starts_at"].startswith(
        "2026-11-02T09:00"
    )
    # The only other day with an occasional teacher is taken next; then there are none left.
    second = await db.client.post("/v1/observations", json=request, headers=as_participant(teacher))
    assert second.json()["day"] == "2026-11-04"
    third = await db.client.post("/v1/observations", json=request, headers=auth(coordinator))
    assert third.status_code == 409 and "no occasional teacher" in third.json()["detail"]
    await assert_ledger_matches_meetings(db, board)

    observation = visit.json()["id"]
    debrief_url = f"/v1/observations/{observation}/debrief"
    evaluator_named = await db.client.put(
        debrief_url,
        json={"body": "Tried think-pair-share.", "mentor_id": str(principal_mentor.participant_id)},
        headers=as_participant(teacher),
    )
    assert evaluator_named.status_code == 422 and evaluator_named.json()["errors"][0]["field"] == "mentor_id"
    written = await db.client.put(
        debrief_url,
        json={
            "body": "Tried think-pair-share; transitions took too long.",
            "mentor_id": str(mentor.participant_id),
        },
        headers=as_participant(teacher),
    )
    assert written.status_code == 200, written.text
    too_long = await db.client.put(debrief_url, json={"body": "x" * 4001}, headers=as_participant(teacher))
    assert too_long.status_code == 422

    read_url = f"/v1/observations/{observation}/debriefs"
    own = await db.client.get(read_url, headers=as_participant(teacher))
    assert own.status_code == 200 and own.json()[0]["body"].startswith("Tried think-pair-share")
    assert (await db.client.get(read_url, headers=as_participant(mentor))).status_code == 200
    refused: dict[str, int] = defaultdict(int)
    for name, headers in (
        ("coordinator", auth(coordinator)),
        ("province_admin", auth(token("province_admin"))),
        ("evaluator", as_participant(principal_mentor)),
        ("host", as_participant(host)),
        ("peer", as_participant(peer)),
    ):
        refused[name] = (await db.client.get(read_url, headers=headers)).status_code
    assert refused == {"coordinator": 404, "province_admin": 404, "evaluator": 404, "host": 404, "peer": 404}
    # Coordinators still see the visit itself (a release day), never what was written about it.
    seen = await db.client.get(f"/v1/observations/{observation}", headers=auth(coordinator))
    assert seen.status_code == 200 and "body" not in seen.json()


async def test_without_hubs_in_the_request_the_hubs_matching_formed_are_scheduled(db: Db, token):
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    await prepare_board(db, coordinator, board, available=20)
    no_hubs = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule", json={"program_year": YEAR}, headers=auth(coordinator)
    )
    assert no_hubs.status_code == 409 and no_hubs.json()["errors"][0]["field"] == "hubs"
    hubs = {uuid.uuid4(): ([uuid.uuid4() for _ in range(6)], [uuid.uuid4(), uuid.uuid4()]) for _ in range(3)}
    consultant = next(iter(hubs.values()))[1][1]  # leads a hub but has no class to cover
    conn = await asyncpg.connect(asyncpg_dsn(db.url))
    try:
        for hub_id, (members, leaders) in hubs.items():
            await conn.execute(
                "INSERT INTO hubs (id, board, program_year, theme, language, track) "
                "VALUES ($1, $2, $3, 'assessment', 'en', 'teachers')",
                hub_id,
                board,
                YEAR,
            )
            for person, role in [*((m, "member") for m in members), *((x, "leader") for x in leaders)]:
                await conn.execute(
                    "INSERT INTO hub_members (hub_id, participant_id, role, board, program_year) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    hub_id,
                    person,
                    role,
                    board,
                    YEAR,
                )
    finally:
        await conn.close()
    response = await db.client.post(
        f"/v1/boards/{board}/hub-meetings/schedule",
        json={"program_year": YEAR, "meetings_per_hub": 3, "without_class": [str(consultant)], **WINDOW},
        headers=auth(coordinator),
    )
    assert response.status_code == 200, response.text
    meetings = response.json()["scheduled"]
    assert Counter(m["hub_id"] for m in meetings) == {str(h): 3 for h in hubs}
    assert sorted({m["releases"] for m in meetings}) == [7, 8]
    await assert_ledger_matches_meetings(db, board)
