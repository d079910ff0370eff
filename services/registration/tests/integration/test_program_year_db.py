"""Program year against a real PostgreSQL: the timeline from defaults and a board's standing, workshop
seats with a waitlist (concurrent enrolments never exceed capacity), promotion on cancellation, the
Beginning Teacher Network, attendance and a new school leader's workshop progress — with the events
in the outbox.

The HTTP routes run in-process (httpx ASGI transport) on the test database: fast, no processes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.registration.adapters.tables import Board, Participant
from services.registration.entrypoints import program_years as program_year_routes
from services.registration.entrypoints import sessions as session_routes
from services.registration.service_layer import sessions
from shared.auth import TokenVerifier
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.problems import install_problem_handlers
from shared.testing.fixtures import test_settings as make_test_settings
from shared.testing.helpers import auth, unique_board
from shared.testing.infrastructure import Infrastructure
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


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

    async def events(self, event_type: str, **match: object) -> list[dict[str, Any]]:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            rows = await conn.fetch("SELECT body FROM outbox WHERE event_type = $1 ORDER BY id", event_type)
        finally:
            await conn.close()
        bodies = [json.loads(r["body"]) for r in rows]
        return [b for b in bodies if all(b.get(k) == v for k, v in match.items())]

    async def new_board(self) -> str:
        code = unique_board()
        async with self.uow() as uow:
            uow.session.add(Board(code=code, name=f"{code} DSB", timezone="America/Edmonton"))
            await uow.commit()
        return code

    async def people(self, board: str, role: str, n: int) -> list[Participant]:
        rows = [
            Participant(
                id=uuid.uuid4(),
                board=board,
                program_year=YEAR,
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
                hr_id=f"{role[:2]}{i}-{uuid.uuid4().hex[:6]}",
                role=role,
                given_name="Test",
                family_name=f"Person {i}",
                email=f"p{i}@example.org",
            )
            for i in range(n)
        ]
        async with self.uow() as uow:
            uow.session.add_all(rows)
            await uow.commit()
        return rows


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(infra: Infrastructure, run_prefix: str) -> AsyncIterator[Db]:
    url = infra.database_url(f"{run_prefix}_reg_program")
    await upgrade("registration", url)
    engine = make_engine(url, pool_size=15)
    factory = make_session_factory(engine)
    app = FastAPI()
    app.state.runtime = _Runtime(factory)
    app.state.token_verifier = TokenVerifier(make_test_settings())
    install_problem_handlers(app)
    app.include_router(program_year_routes.router)
    app.include_router(session_routes.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registration"
    ) as client:
        yield Db(url, engine, factory, client)
    await engine.dispose()
    await drop_database(url)


def workshop(board: str | None, **overrides: object) -> dict[str, Any]:
    body: dict[str, Any] = {
        "board": board,
        "program_year": YEAR,
        "kind": "workshop",
        "title": "Mentorship Workshop 1",
        "facilitator": "ATA staff officer",
        "starts_at": "2026-10-16T09:00:00-06:00",
        "ends_at": "2026-10-16T15:00:00-06:00",
        "location": "Board office, room 4",
        "capacity": 2,
        "audience": ["beginning_teacher"],
    }
    body.update(overrides)
    return body


async def test_a_new_program_year_from_defaults_and_where_a_board_stands(db: Db, token):
    board = await db.new_board()
    coordinator = token("board_coordinator", board=board)
    created = await db.client.post(
        "/v1/program-years", json={"board": board, "program_year": YEAR}, headers=auth(coordinator)
    )
    assert created.status_code == 201, created.text
    year = created.json()
    assert len(year["phases"]) == 11
    assert {p["key"]: p["starts_on"] for p in year["phases"]}["workshop_1"] == "2026-10-01"
    again = await db.client.post(
        "/v1/program-years", json={"board": board, "program_year": YEAR}, headers=auth(coordinator)
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "program_year"

    timeline = await db.client.get(
        f"/v1/boards/{board}/timeline", params={"on": "2026-10-15"}, headers=auth(coordinator)
    )
    assert timeline.status_code == 200, timeline.text
    (standing,) = timeline.json()["standings"]
    assert standing["scope"] == "board" and standing["state"] == "in_progress"
    assert "workshop_1" in {p["key"] for p in standing["current"]}
    assert [p["key"] for p in standing["overdue"]] == [
        "steering_committee",
        "program_planning",
        "identify_participants",
    ]
    assert [(p["key"], p["days_until_start"]) for p in standing["next"]] == [("local_activities_autumn", 17)]

    # The committee was set up, and Workshop 1 moves to November: the timeline follows.
    url = f"/v1/program-years/{year['id']}/phases"
    done = await db.client.patch(
        f"{url}/steering_committee", json={"completed_on": "2026-05-20"}, headers=auth(coordinator)
    )
    assert done.status_code == 200, done.text
    moved = await db.client.patch(
        f"{url}/workshop_1",
        json={"starts_on": "2026-11-02", "ends_on": "2026-11-06"},
        headers=auth(coordinator),
    )
    assert moved.status_code == 200
    backwards = await db.client.patch(
        f"{url}/workshop_1", json={"ends_on": "2026-10-01"}, headers=auth(coordinator)
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"].endswith(".ends_on")
    standing = (
        await db.client.get(
            f"/v1/boards/{board}/timeline", params={"on": "2026-10-15"}, headers=auth(coordinator)
        )
    ).json()["standings"][0]
    assert "steering_committee" not in {p["key"] for p in standing["overdue"]}
    assert "workshop_1" in {p["key"] for p in standing["next"]} | {p["key"] for p in standing["upcoming"]}
    added = await db.client.post(
        url,
        json={
            "key": "board_celebration",
            "title": "Board celebration",
            "starts_on": "2027-05-27",
            "ends_on": "2027-05-27",
        },
        headers=auth(coordinator),
    )
    assert added.status_code == 201 and len(added.json()["phases"]) == 12

    # Another board without its own timeline stands on the province's.
    admin = token("province_admin")
    other = await db.new_board()
    provincial = await db.client.post("/v1/program-years", json={"program_year": YEAR}, headers=auth(admin))
    assert provincial.status_code == 201, provincial.text
    participant = token("participant", board=other, participant_id=uuid.uuid4())
    seen = await db.client.get(
        f"/v1/boards/{other}/timeline", params={"on": "2027-06-10"}, headers=auth(participant)
    )
    (standing,) = seen.json()["standings"]
    assert standing["scope"] == "province"
    assert "grant_application is due on 2027-06-30" in standing["notes"]
    assert (await db.client.get(f"/v1/boards/{board}/timeline", headers=auth(participant))).status_code == 404
    refused = await db.client.post(
        "/v1/program-years", json={"program_year": "2027-2028"}, headers=auth(coordinator)
    )
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "board"


async def test_workshop_over_capacity_waitlists_and_a_cancellation_promotes_the_first(db: Db, token):
    board = await db.new_board()
    coordinator = token("board_coordinator", board=board)
    teachers = await db.people(board, "beginning_teacher", 4)
    (mentor,) = await db.people(board, "mentor", 1)
    created = await db.client.post("/v1/sessions", json=workshop(board), headers=auth(coordinator))
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    (scheduled,) = await db.events("SessionScheduled", session_id=session_id)
    assert scheduled["starts_at"] == "2026-10-16T09:00:00-06:00" and scheduled["board"] == board

    def as_self(person: Participant) -> dict[str, str]:
        return auth(token("participant", board=board, participant_id=person.id))

    url = f"/v1/sessions/{session_id}/enrolments"
    results = []
    for person in teachers[:3]:
        response = await db.client.post(url, json={"participant_id": str(person.id)}, headers=as_self(person))
        assert response.status_code == 201, response.text
        results.append((response.json()["status"], response.json()["position"]))
    assert results == [("confirmed", None), ("confirmed", None), ("waitlisted", 1)]
    again = await db.client.post(
        url, json={"participant_id": str(teachers[2].id)}, headers=as_self(teachers[2])
    )
    assert again.json()["status"] == "waitlisted" and again.json()["position"] == 1  # idempotent
    for_someone_else = await db.client.post(
        url, json={"participant_id": str(teachers[3].id)}, headers=as_self(teachers[0])
    )
    assert for_someone_else.status_code == 403
    wrong_audience = await db.client.post(
        url, json={"participant_id": str(mentor.id)}, headers=auth(coordinator)
    )
    assert (
        wrong_audience.status_code == 422 and wrong_audience.json()["errors"][0]["field"] == "participant_id"
    )

    assert len(await db.events("EnrolmentConfirmed", session_id=session_id)) == 2
    (waitlisted,) = await db.events("EnrolmentWaitlisted", session_id=session_id)
    assert waitlisted["participant_id"] == str(teachers[2].id) and waitlisted["position"] == 1

    left = await db.client.delete(f"{url}/{teachers[0].id}", headers=as_self(teachers[0]))
    assert left.status_code == 200, left.text
    assert left.json()["cancelled"]["status"] == "cancelled"
    assert [p["participant_id"] for p in left.json()["promoted"]] == [str(teachers[2].id)]
    promoted = await db.events(
        "EnrolmentConfirmed", session_id=session_id, participant_id=str(teachers[2].id)
    )
    assert len(promoted) == 1 and promoted[0]["promoted_from_waitlist"] is True
    listed = await db.client.get(url, headers=auth(coordinator))
    assert [(e["participant_id"], e["status"]) for e in listed.json()] == [
        (str(teachers[1].id), "confirmed"),
        (str(teachers[2].id), "confirmed"),
    ]
    seats = (await db.client.get(f"/v1/sessions/{session_id}", headers=as_self(teachers[3]))).json()
    assert (seats["confirmed"], seats["waitlisted"]) == (2, 0)

    # A bigger room promotes; a change of time is announced with a higher sequence; then cancelled.
    await db.client.post(url, json={"participant_id": str(teachers[3].id)}, headers=auth(coordinator))
    bigger = await db.client.patch(
        f"/v1/sessions/{session_id}",
        json={"capacity": 3, "starts_at": "2026-10-16T09:30:00-06:00"},
        headers=auth(coordinator),
    )
    assert bigger.status_code == 200 and (bigger.json()["confirmed"], bigger.json()["sequence"]) == (3, 1)
    (changed,) = await db.events("SessionChanged", session_id=session_id)
    assert changed["sequence"] == 1 and changed["starts_at"] == "2026-10-16T09:30:00-06:00"
    smaller = await db.client.patch(
        f"/v1/sessions/{session_id}", json={"capacity": 1}, headers=auth(coordinator)
    )
    assert smaller.status_code == 409 and smaller.json()["errors"][0]["field"] == "capacity"
    cancelled = await db.client.post(f"/v1/sessions/{session_id}/cancellation", headers=auth(coordinator))
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 2
    (gone,) = await db.events("SessionCancelled", session_id=session_id)
    assert gone["sequence"] == 2
    late = await db.client.post(url, json={"participant_id": str(teachers[0].id)}, headers=auth(coordinator))
    assert late.status_code == 409

    other = token("board_coordinator", board=await db.new_board())
    assert (await db.client.get(f"/v1/sessions/{session_id}", headers=auth(other))).status_code == 404
    bad = await db.client.post("/v1/sessions", json=workshop(board, location=None), headers=auth(coordinator))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "location"


async def test_concurrent_enrolments_never_exceed_capacity(db: Db, token):
    board = await db.new_board()
    teachers = await db.people(board, "beginning_teacher", 12)
    async with db.uow() as uow:
        row = await sessions.create_session(
            uow,
            {
                **workshop(board, capacity=5),
                "starts_at": datetime(2026, 10, 16, 15, tzinfo=UTC),
                "ends_at": datetime(2026, 10, 16, 21, tzinfo=UTC),
            },
        )
        await uow.commit()

    async def enrol(person: Participant) -> str:
        async with db.uow() as uow:
            outcome = await sessions.enrol(uow, person, session_id=row.id)
            await asyncio.sleep(0.01)  # hold the lock a moment: the others queue on the session row
            await uow.commit()
            return outcome.enrolment.status

    statuses = await asyncio.gather(*(enrol(t) for t in teachers))
    assert statuses.count("confirmed") == 5 and statuses.count("waitlisted") == 7
    async with db.uow() as uow:
        found = await sessions.enrolments_of(uow, session_id=row.id)
    assert [p for _, p in found if p is not None] == list(range(1, 8))

    # Two people leave at once: the first two on the waitlist move up, nobody else.
    confirmed = [e.participant_id for e, p in found if p is None]

    async def leave(participant_id: uuid.UUID) -> list[uuid.UUID]:
        async with db.uow() as uow:
            outcome = await sessions.cancel_enrolment(uow, participant_id, session_id=row.id)
            await uow.commit()
            return [e.participant_id for e in outcome.promoted]

    promoted = await asyncio.gather(leave(confirmed[0]), leave(confirmed[1]))
    waitlist = [e.participant_id for e, p in found if p is not None]
    assert sorted(p for group in promoted for p in group) == sorted(waitlist[:2])
    async with db.uow() as uow:
        after = await sessions.enrolments_of(uow, session_id=row.id)
    assert sum(1 for e, p in after if p is None) == 5


async def test_beginning_teacher_network_cohort_groups_and_open_sessions(db: Db, token):
    board = await db.new_board()
    coordinator = token("board_coordinator", board=board)
    first, second = await db.people(board, "beginning_teacher", 2)
    cohort = await db.client.post(
        "/v1/network-cohorts",
        json={
            "board": board,
            "program_year": YEAR,
            "title": "Cohort A",
            "facilitator": "Experienced teacher",
            "capacity": 1,
        },
        headers=auth(coordinator),
    )
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]
    meeting = {
        **workshop(board, kind="network_cohort", cohort_id=cohort_id, audience=[], capacity=None),
        "online_url": "https://meet.example.org/cohort-a",
        "location": None,
    }
    meetings = []
    for day in ("2026-10-20", "2026-12-08"):
        created = await db.client.post(
            "/v1/sessions",
            json={**meeting, "starts_at": f"{day}T13:00:00-06:00", "ends_at": f"{day}T15:30:00-06:00"},
            headers=auth(coordinator),
        )
        assert created.status_code == 201, created.text
        assert created.json()["release_time"] is True
        meetings.append(created.json()["id"])
    join = f"/v1/network-cohorts/{cohort_id}/enrolments"
    assert (
        await db.client.post(join, json={"participant_id": str(first.id)}, headers=auth(coordinator))
    ).json()["status"] == "confirmed"
    assert (
        await db.client.post(join, json={"participant_id": str(second.id)}, headers=auth(coordinator))
    ).json()["position"] == 1
    direct = await db.client.post(
        f"/v1/sessions/{meetings[0]}/enrolments",
        json={"participant_id": str(second.id)},
        headers=auth(coordinator),
    )
    assert direct.status_code == 409
    # A third meeting enrols the group's confirmed member in it at once.
    third = await db.client.post(
        "/v1/sessions",
        json={**meeting, "starts_at": "2027-02-23T13:00:00-06:00", "ends_at": "2027-02-23T15:30:00-06:00"},
        headers=auth(coordinator),
    )
    meetings.append(third.json()["id"])
    confirmed = await db.events("EnrolmentConfirmed", participant_id=str(first.id))
    assert sorted(e["session_id"] for e in confirmed) == sorted(meetings)
    assert len(await db.events("EnrolmentWaitlisted", participant_id=str(second.id))) == 2

    left = await db.client.delete(f"{join}/{first.id}", headers=auth(coordinator))
    assert [p["participant_id"] for p in left.json()["promoted"]] == [str(second.id)]
    promoted = await db.events("EnrolmentConfirmed", participant_id=str(second.id))
    assert sorted(e["session_id"] for e in promoted) == sorted(meetings)
    assert all(e["promoted_from_waitlist"] for e in promoted)
    assert (await db.client.get(f"/v1/network-cohorts/{cohort_id}", headers=auth(coordinator))).json()[
        "meetings"
    ] == meetings

    # An open session is provincial and after school: any beginning teacher of the province registers.
    admin = token("province_admin")
    open_session = await db.client.post(
        "/v1/sessions",
        json={
            **workshop(None, kind="network_open", audience=[], capacity=100, location=None),
            "online_url": "https://meet.example.org/btn-open",
            "title": "Open session: assessment",
            "starts_at": "2026-11-04T16:00:00-06:00",
            "ends_at": "2026-11-04T17:00:00-06:00",
        },
        headers=auth(admin),
    )
    assert open_session.status_code == 201, open_session.text
    assert open_session.json()["release_time"] is False and open_session.json()["board"] is None
    (announced,) = await db.events("SessionScheduled", session_id=open_session.json()["id"])
    assert announced["board"] == sessions.PROVINCIAL
    other_board = await db.new_board()
    (stranger,) = await db.people(other_board, "beginning_teacher", 1)
    registered = await db.client.post(
        f"/v1/sessions/{open_session.json()['id']}/enrolments",
        json={"participant_id": str(stranger.id)},
        headers=auth(token("participant", board=other_board, participant_id=stranger.id)),
    )
    assert registered.status_code == 201 and registered.json()["status"] == "confirmed"
    (event,) = await db.events("EnrolmentConfirmed", participant_id=str(stranger.id))
    assert event["board"] == other_board
    provincial_by_coordinator = await db.client.post(
        "/v1/sessions", json=workshop(None), headers=auth(coordinator)
    )
    assert provincial_by_coordinator.status_code == 403


async def test_attendance_and_a_new_school_leaders_two_workshops(db: Db, token):
    board = await db.new_board()
    coordinator = token("board_coordinator", board=board)
    (leader,) = await db.people(board, "new_school_leader", 1)
    (teacher,) = await db.people(board, "beginning_teacher", 1)
    ids = []
    for n, day in enumerate(("2026-11-10", "2027-01-19", "2027-03-02")):
        created = await db.client.post(
            "/v1/sessions",
            json=workshop(
                board,
                title=f"Leadership menu {n + 1}",
                audience=["leader_menu"],
                capacity=20,
                starts_at=f"{day}T09:00:00-06:00",
                ends_at=f"{day}T15:00:00-06:00",
            ),
            headers=auth(coordinator),
        )
        ids.append(created.json()["id"])
        enrolled = await db.client.post(
            f"/v1/sessions/{created.json()['id']}/enrolments",
            json={"participant_id": str(leader.id)},
            headers=auth(token("participant", board=board, participant_id=leader.id)),
        )
        assert enrolled.status_code == 201, enrolled.text
    attendance = f"/v1/sessions/{ids[0]}/attendance"
    stranger = await db.client.put(
        attendance,
        json={"records": [{"participant_id": str(teacher.id), "attended": True}]},
        headers=auth(coordinator),
    )
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "records.0.participant_id"
    recorded = await db.client.put(
        attendance,
        json={"records": [{"participant_id": str(leader.id), "attended": True}]},
        headers=auth(coordinator),
    )
    assert recorded.json() == {"recorded": 1}
    same = await db.client.put(
        attendance,
        json={"records": [{"participant_id": str(leader.id), "attended": True}]},
        headers=auth(coordinator),
    )
    assert same.json() == {"recorded": 0}  # nothing changed, nothing announced

    url = f"/v1/participants/{leader.id}/workshop-progress"
    own = auth(token("participant", board=board, participant_id=leader.id))
    progress = (await db.client.get(url, headers=own)).json()
    assert (
        progress["applies"],
        progress["required"],
        progress["attended"],
        progress["planned"],
        progress["met"],
    ) == (
        True,
        2,
        1,
        2,
        False,
    )
    await db.client.put(
        f"/v1/sessions/{ids[1]}/attendance",
        json={"records": [{"participant_id": str(leader.id), "attended": True}]},
        headers=auth(coordinator),
    )
    progress = (await db.client.get(url, headers=auth(coordinator))).json()
    assert progress["met"] and progress["remaining"] == 0 and len(progress["workshops"]) == 3
    events = await db.events("AttendanceRecorded", participant_id=str(leader.id))
    assert sorted(e["session_id"] for e in events) == sorted(ids[:2]) and all(e["attended"] for e in events)
    peer = auth(token("participant", board=board, participant_id=teacher.id))
    assert (await db.client.get(url, headers=peer)).status_code == 404
    other = auth(token("board_coordinator", board=await db.new_board()))
    assert (await db.client.get(url, headers=other)).status_code == 404


async def test_leaving_a_session_publishes_enrolment_cancelled_for_the_one_who_left(db: Db):
    board = await db.new_board()
    first, second = await db.people(board, "beginning_teacher", 2)
    async with db.uow() as uow:
        row = await sessions.create_session(
            uow,
            {
                **workshop(board, capacity=1),
                "starts_at": datetime(2026, 10, 20, 15, tzinfo=UTC),
                "ends_at": datetime(2026, 10, 20, 21, tzinfo=UTC),
            },
        )
        await uow.commit()
    for person in (first, second):
        async with db.uow() as uow:
            await sessions.enrol(uow, person, session_id=row.id)
            await uow.commit()
    for person in (first, second):  # the confirmed one, then the one promoted in their place
        async with db.uow() as uow:
            await sessions.cancel_enrolment(uow, person.id, session_id=row.id)
            await uow.commit()
    left = await db.events("EnrolmentCancelled", session_id=str(row.id))
    assert [(e["participant_id"], e["was_confirmed"], e["board"]) for e in left] == [
        (str(first.id), True, board),
        (str(second.id), True, board),
    ]


async def test_attendance_is_read_back_by_the_boards_staff_only(db: Db, token):
    board, other = await db.new_board(), await db.new_board()
    coordinator = token("board_coordinator", board=board)
    present, absent = await db.people(board, "beginning_teacher", 2)
    created = await db.client.post(
        "/v1/sessions", json=workshop(board, capacity=5), headers=auth(coordinator)
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    url = f"/v1/sessions/{session_id}/attendance"
    assert (await db.client.get(url, headers=auth(coordinator))).json() == []
    for person in (present, absent):
        enrolled = await db.client.post(
            f"/v1/sessions/{session_id}/enrolments",
            json={"participant_id": str(person.id)},
            headers=auth(coordinator),
        )
        assert enrolled.status_code == 201, enrolled.text
    recorded = await db.client.put(
        url,
        json={
            "records": [
                {"participant_id": str(present.id), "attended": True},
                {"participant_id": str(absent.id), "attended": False},
            ]
        },
        headers=auth(coordinator),
    )
    assert recorded.json() == {"recorded": 2}
    found = await db.client.get(url, headers=auth(coordinator))
    assert found.status_code == 200, found.text
    assert {(a["participant_id"], a["attended"]) for a in found.json()} == {
        (str(present.id), True),
        (str(absent.id), False),
    }
    stranger = await db.client.get(url, headers=auth(token("board_coordinator", board=other)))
    assert stranger.status_code == 404
    participant = await db.client.get(
        url, headers=auth(token("participant", board=board, participant_id=present.id))
    )
    assert participant.status_code == 403
