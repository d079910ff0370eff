"""A board coach or consultant, end to end (the services as processes, real RabbitMQ, PostgreSQL
and an SMTP sink): a coordinator assigns a French-speaking consultant to a hub whose meetings are
already scheduled; the consultant hears of it in French and receives an invitation (METHOD:REQUEST)
for each of the hub's meetings, in French, without an occasional teacher booked and without a
leader's seat; a rerun published with nothing new keeps the assignment and sends nothing; released,
the consultant gets a METHOD:CANCEL for each meeting."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from shared.testing.smtp_sink import SmtpServer
from tests.e2e.helpers import create_board
from tests.e2e.test_coordinator_workflow import YEAR, address, calendar_of, fetch, person, template

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def text_of(message: Any) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_content())
    return ""


async def test_a_coach_is_invited_to_a_hubs_scheduled_meetings_in_their_language_and_kept_by_reruns(
    system: System, smtp: SmtpServer, token
) -> None:
    board, elsewhere = unique_board(), unique_board()
    admin = token("province_admin")
    coordinator = auth(token("board_coordinator", board=board))
    reg, mat = system.url("registration"), system.url("matching")
    base = f"/v1/boards/{board}/program-years/{YEAR}"
    matching_db = system.database_url("matching")
    with httpx.Client(timeout=30) as setup:
        create_board(setup, reg, admin, board)
        create_board(setup, reg, admin, elsewhere)
    leaders = [
        person(
            board,
            "mentor",
            n,
            grade_band="junior",
            expertise_themes=["intermediate_mathematics"],
            trained=True,
            hub_capacity=1,
            one_to_one_capacity=0,
        )
        for n in range(2)
    ]
    # Board staff registered as a participant: role mentor, no hub or one-to-one capacity (never a leader).
    coach = person(
        board, "mentor", 50, language="fr", given_name="Gaëlle", family_name="Conseillère", hub_capacity=0
    )
    members = [
        person(board, "beginning_teacher", n, grade_band="junior", themes=["intermediate_mathematics"])
        for n in range(7)
    ]
    people = [*leaders, coach, *members]
    async with httpx.AsyncClient(timeout=60) as client:
        ids = {}
        for body in people:
            response = await client.post(f"{reg}/v1/participants", json=body, headers=auth(admin))
            assert response.status_code == 201, response.text
            ids[body["email"]] = str(response.json()["id"])
        coach_id = ids[coach["email"]]

        async def matching_knows_everyone() -> bool:
            rows = await fetch(matching_db, "SELECT count(*) FROM participants WHERE board = $1", board)
            return rows[0][0] == len(people)

        assert await wait_until(matching_knows_everyone, timeout=30)
        run = (await client.post(f"{mat}{base}/matching-runs", headers=coordinator)).json()
        assert (
            await client.post(f"{mat}{base}/matching-runs/{run['id']}/publish", headers=coordinator)
        ).status_code == 200
        hubs = (await client.get(f"{mat}/v1/hubs", params={"board": board}, headers=coordinator)).json()[
            "items"
        ]
        assert len(hubs) == 1
        hub = hubs[0]
        assert coach_id not in {p["participant_id"] for p in (*hub["members"], *hub["leaders"])}

        # The hub's meetings are scheduled before the coach is assigned.
        assert (
            await client.put(
                f"{mat}/v1/boards/{board}/calendars/{YEAR}",
                json={"first_day": "2026-09-01", "last_day": "2027-06-30"},
                headers=coordinator,
            )
        ).status_code == 200
        first = date(2026, 9, 1)
        csv_text = "date,available\n" + "".join(
            f"{d.isoformat()},20\n"
            for d in (first + timedelta(days=i) for i in range(303))
            if d.weekday() < 5
        )
        assert (
            await client.post(
                f"{mat}/v1/boards/{board}/release-capacity/csv",
                content=csv_text.encode(),
                headers={**coordinator, "content-type": "text/csv"},
            )
        ).status_code == 200
        scheduled = await client.post(
            f"{mat}/v1/boards/{board}/hub-meetings/schedule",
            json={"program_year": YEAR, "meetings_per_hub": 3},
            headers=coordinator,
        )
        assert scheduled.status_code == 200, scheduled.text
        meetings = {m["id"]: m for m in scheduled.json()["scheduled"]}
        assert len(meetings) == 3 and all(coach_id not in m["attendees"] for m in meetings.values())
        # Quiet first: every invitation of the scheduled meetings delivered, nothing pending.
        invitations_sent = sum(len(m["attendees"]) for m in meetings.values())
        assert await wait_until(
            lambda: (
                sum(1 for m in smtp.sink.messages if template(m) == "hub_meeting" and address(m) in ids)
                >= invitations_sent
            ),
            timeout=60,
        )

        async def nothing_pending() -> bool:
            rows = await fetch(
                system.database_url("notifications"),
                "SELECT count(*) FROM notifications WHERE state = 'pending'",
            )
            return rows[0][0] == 0

        assert await wait_until(nothing_pending, timeout=30)
        mark = len(smtp.sink.messages)

        # Refused with problem+json naming the field: a teacher is not board staff.
        teacher_as_coach = await client.post(
            f"{mat}/v1/hubs/{hub['id']}/coaches",
            json={"participant_id": ids[members[0]["email"]]},
            headers=coordinator,
        )
        assert teacher_as_coach.status_code == 422
        assert teacher_as_coach.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in teacher_as_coach.json()["errors"]] == ["participant_id"]

        assigned = await client.post(
            f"{mat}/v1/hubs/{hub['id']}/coaches",
            json={"participant_id": coach_id, "note": "Private: she asked for this hub"},
            headers=coordinator,
        )
        assert assigned.status_code == 201, assigned.text
        assert [c["participant_id"] for c in assigned.json()["coaches"]] == [coach_id]
        assert assigned.json()["coaches"][0]["display_name"]
        assert coach_id not in {p["participant_id"] for p in assigned.json()["leaders"]}
        listed = (await client.get(f"{mat}/v1/hubs", params={"board": board}, headers=coordinator)).json()
        assert [c["participant_id"] for c in listed["items"][0]["coaches"]] == [coach_id]

        def to_coach(kind: str, method: str | None = None) -> list[Any]:
            return [
                m
                for m in smtp.sink.messages
                if address(m) == coach["email"]
                and template(m) == kind
                and (method is None or f"METHOD:{method}" in calendar_of(m))
            ]

        # Told in French, with the invitation of each already scheduled meeting (REQUEST, in French).
        assert await wait_until(lambda: to_coach("hub_support"), timeout=30)
        assert await wait_until(lambda: len(to_coach("hub_meeting", "REQUEST")) >= 3, timeout=30)
        told = to_coach("hub_support")[0]
        assert str(told["Subject"]).startswith("Vous accompagnez un carrefour de mentorat")
        told_text = text_of(told)
        assert (
            "Vous n'occupez pas de place d'animateur" in told_text and "3 prochaines rencontres" in told_text
        )
        assert "Private" not in told.as_string() and hub["id"] not in told_text
        invitations = to_coach("hub_meeting", "REQUEST")
        assert sorted(next(i for i in meetings if i in calendar_of(m)) for m in invitations) == sorted(
            meetings
        )
        assert all("Bonjour" in text_of(m) and "Hello" not in text_of(m) for m in invitations)
        # Their seat needs no occasional teacher: each meeting's releases are what they were.
        now = {m["id"]: m for m in (await client.get(f"{mat}/v1/boards/{board}/hub-meetings", params={"program_year": YEAR}, headers=coordinator)).json()}  # fmt: skip
        for meeting_id, before in meetings.items():
            assert coach_id in now[meeting_id]["attendees"]
            assert now[meeting_id]["releases"] == before["releases"]

        # A rerun published with nothing new keeps the coach and sends nothing.
        rerun_mark = len(smtp.sink.messages)
        rerun = (await client.post(f"{mat}{base}/matching-runs", headers=coordinator)).json()
        published = await client.post(f"{mat}{base}/matching-runs/{rerun['id']}/publish", headers=coordinator)
        assert published.status_code == 200, published.text
        kept = (await client.get(f"{mat}/v1/hubs/{hub['id']}", headers=coordinator)).json()
        assert [c["participant_id"] for c in kept["coaches"]] == [coach_id]
        decisions = (await client.get(f"{mat}{base}/standing-decisions", headers=coordinator)).json()
        assert [d["kind"] for d in decisions if d["participant_id"] == coach_id] == ["coach"]
        sentinel = person(elsewhere, "beginning_teacher", 98, grade_band="junior", themes=["assessment"])
        assert (
            await client.post(f"{reg}/v1/participants", json=sentinel, headers=auth(admin))
        ).status_code == 201
        assert smtp.sink.wait_for(lambda m: address(m) == sentinel["email"], timeout=30)
        assert [m for m in smtp.sink.messages[rerun_mark:] if address(m) != sentinel["email"]] == []

        # Released: told once, in French, and each meeting's copy cancelled (METHOD:CANCEL).
        released = await client.delete(f"{mat}/v1/hubs/{hub['id']}/coaches/{coach_id}", headers=coordinator)
        assert released.status_code == 200 and released.json()["coaches"] == []
        assert await wait_until(lambda: len(to_coach("hub_meeting", "CANCEL")) >= 3, timeout=30)
        assert await wait_until(lambda: len(to_coach("hub_support")) >= 2, timeout=30)
        assert str(to_coach("hub_support")[-1]["Subject"]).startswith("Vous n'accompagnez plus")
        cancels = to_coach("hub_meeting", "CANCEL")
        assert sorted(next(i for i in meetings if i in calendar_of(m)) for m in cancels) == sorted(meetings)
        # Nobody else heard of the coach's comings and goings.
        others = [
            (template(m), address(m))
            for m in smtp.sink.messages[mark:]
            if address(m) not in (coach["email"], sentinel["email"])
        ]
        assert others == []
