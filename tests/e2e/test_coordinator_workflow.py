"""A coordinator's year, end to end (the four services as processes, real RabbitMQ, PostgreSQL and an
SMTP sink): register 40 teachers (12 French) and 12 mentors → run → review the draft (no mail) →
publish → move a teacher, swap a leader with a private note, lock a hub, pair a teacher by hand →
schedule the year's meetings → rerun and publish with nothing new (same hubs, decisions kept, no
event, no mail) → a late registrant gets a hub and a mentor."""

from __future__ import annotations

import email.utils
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from shared.testing.smtp_sink import SmtpServer
from shared.wakeup import asyncpg_dsn
from tests.e2e.helpers import create_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
MATCHING_TEMPLATES = {"hub_formed", "hub_changed", "hub_removed", "mentor_paired", "hub_meeting"}
NOTE = "Private to coordinators: mentor was trained in June"


def person(board: str, role: str, n: int, **extra: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    return {
        "board": board,
        "program_year": YEAR,
        "hr_id": f"HR-{role[:1]}{n:02d}-{tag}",
        "role": role,
        "given_name": "Zoé" if extra.get("language") == "fr" else "Alex",
        "family_name": f"{role.title().replace('_', '')}{n:02d}",
        "email": f"{role[:1]}{n:02d}.{tag}@example.org",
        "language": "en",
        "school": f"School {n % 5}",
        **extra,
    }


def teachers(board: str) -> list[dict[str, Any]]:
    out = []
    for n in range(40):
        if n < 12:
            extra: dict[str, Any] = {
                "language": "fr",
                "grade_band": "primary",
                "themes": ["french_second_language"],
            }
        elif n < 26:
            extra = {
                "grade_band": "junior",
                "themes": ["intermediate_mathematics"],
                "subjects": ["Mathematics"],
            }
        else:
            extra = {"grade_band": "primary", "themes": ["early_years_literacy"], "subjects": ["Language"]}
        out.append(person(board, "beginning_teacher", n, **extra))
    return out


def mentors(board: str) -> list[dict[str, Any]]:
    out = []
    for n in range(12):
        french = n < 4
        out.append(
            person(
                board,
                "mentor",
                n,
                language="fr" if french else "en",
                grade_band="primary" if n % 2 else "junior",
                expertise_themes=["french_second_language"]
                if french
                else ["intermediate_mathematics", "early_years_literacy"],
                trained=True,
                hub_capacity=1 if french else 2,
                one_to_one_capacity=4 if french else 5,
            )
        )
    return out


def address(message: Any) -> str:
    return email.utils.parseaddr(str(message["To"]))[1]


def template(message: Any) -> str:
    return str(message["X-Mentorweb-Template"] or "")


async def fetch(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(dsn))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def test_a_coordinators_year_keeps_its_promises(system: System, smtp: SmtpServer, token) -> None:
    board, elsewhere = unique_board(), unique_board()
    admin = token("province_admin")
    coordinator = auth(token("board_coordinator", board=board))
    reg, mat = system.url("registration"), system.url("matching")
    base = f"/v1/boards/{board}/program-years/{YEAR}"
    matching_db, notifications_db = system.database_url("matching"), system.database_url("notifications")
    with httpx.Client(timeout=30) as setup:
        create_board(setup, reg, admin, board)
        create_board(setup, reg, admin, elsewhere)

    async with httpx.AsyncClient(timeout=60) as client:

        async def register(body: dict[str, Any]) -> str:
            response = await client.post(f"{reg}/v1/participants", json=body, headers=auth(admin))
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        people = [*mentors(board), *teachers(board)]
        ids = {p["email"]: await register(p) for p in people}
        email_of = {v: k for k, v in ids.items()}

        async def matching_knows_everyone() -> bool:
            rows = await fetch(matching_db, "SELECT count(*) FROM participants WHERE board = $1", board)
            return rows[0][0] == len(people)

        assert await wait_until(matching_knows_everyone, timeout=30)
        assert smtp.sink.wait_for(lambda m: address(m) == people[-1]["email"], timeout=20)

        # ---- Run: a draft, reviewed; nothing announced, no mail.
        run = await client.post(f"{mat}{base}/matching-runs", headers=coordinator)
        assert run.status_code == 201, run.text
        assert run.json()["status"] == "draft"
        run_id = run.json()["id"]
        draft = (await client.get(f"{mat}{base}/matching-runs/{run_id}/draft", headers=coordinator)).json()
        drafted = {p["participant_id"] for h in draft["hubs"] for p in h["members"]}
        unplaced = {u["participant"]["participant_id"] for u in draft["unplaced"]}
        teacher_ids = {ids[p["email"]] for p in people if p["role"] == "beginning_teacher"}
        assert drafted | unplaced == teacher_ids and not drafted & unplaced
        assert all(p["display_name"] and p["school"] for h in draft["hubs"] for p in h["members"])
        assert sorted(draft["difference"]["formed"]) == sorted(h["id"] for h in draft["hubs"])
        assert draft["pairings"] and all(x["teacher"]["display_name"] for x in draft["pairings"])
        assert (await client.get(f"{mat}/v1/hubs", params={"board": board}, headers=coordinator)).json()[
            "total"
        ] == 0
        # Positive signal: a registration on another board is welcomed; by then no hub mail for ours.
        sentinel = person(elsewhere, "beginning_teacher", 99, grade_band="junior", themes=["assessment"])
        await register(sentinel)
        assert smtp.sink.wait_for(lambda m: sentinel["email"] in str(m["To"]), timeout=20)
        ours = set(ids)
        assert not [m for m in smtp.sink.messages if template(m) in MATCHING_TEMPLATES and address(m) in ours]
        assert (await fetch(matching_db, "SELECT count(*) FROM outbox WHERE board = $1", board))[0][0] == 0

        # ---- Publish: participants are told.
        published = await client.post(f"{mat}{base}/matching-runs/{run_id}/publish", headers=coordinator)
        assert published.status_code == 200, published.text
        hubs = (
            await client.get(
                f"{mat}/v1/hubs",
                params={"board": board, "program_year": YEAR, "limit": 100},
                headers=coordinator,
            )
        ).json()["items"]
        assert sorted(h["id"] for h in hubs) == sorted(h["id"] for h in draft["hubs"])
        placed = [p["participant_id"] for h in hubs for p in (*h["members"], *h["leaders"])]
        assert smtp.sink.wait_for(
            lambda m: template(m) == "hub_formed" and email_of[placed[-1]] in str(m["To"]), timeout=30
        )

        # ---- The coordinator's decisions: a move, a leader swap with a note, a lock, a pairing by hand.
        english = sorted((h for h in hubs if h["language"] == "en"), key=lambda h: h["id"])
        by_theme: dict[str, list[dict[str, Any]]] = {}
        for h in english:
            by_theme.setdefault(h["theme"], []).append(h)
        source, target = next(group for group in by_theme.values() if len(group) >= 2)[:2]
        mover = source["members"][0]["participant_id"]
        moved = await client.post(
            f"{mat}/v1/hubs/{source['id']}/moves",
            json={"participant_id": mover, "to_hub_id": target["id"], "note": NOTE, "force": True},
            headers=coordinator,
        )
        assert moved.status_code == 200, moved.text
        swapped_hub = next(h for h in english if h["id"] not in (source["id"], target["id"]))
        outgoing = swapped_hub["leaders"][0]["participant_id"]
        leading_here = {p["participant_id"] for p in swapped_hub["leaders"]}
        incoming = next(
            ids[p["email"]]
            for p in people
            if p["role"] == "mentor" and p["language"] == "en" and ids[p["email"]] not in leading_here
        )
        swap = await client.post(
            f"{mat}/v1/hubs/{swapped_hub['id']}/leader-swaps",
            json={
                "leader_id": outgoing,
                "new_leader_id": incoming,
                "note": f"{NOTE} ({incoming})",
                "force": True,
            },
            headers=coordinator,
        )
        assert swap.status_code == 200, swap.text
        locked_hub = next(
            h for h in english if h["id"] not in (source["id"], target["id"], swapped_hub["id"])
        )
        lock = await client.post(
            f"{mat}/v1/hubs/{locked_hub['id']}/lock", json={"note": NOTE}, headers=coordinator
        )
        assert lock.status_code == 200 and lock.json()["hubs"][0]["locked"] is True
        pairs = (
            await client.get(f"{mat}{base}/pairings", params={"limit": 1000}, headers=coordinator)
        ).json()
        load: dict[str, int] = {}
        for x in pairs["items"]:
            load[x["mentor_id"]] = load.get(x["mentor_id"], 0) + 1
        current = {x["teacher_id"]: x["mentor_id"] for x in pairs["items"]}
        hand_teacher = next(
            ids[p["email"]] for p in people if p["role"] == "beginning_teacher" and p["language"] == "en"
        )
        hand_mentor = next(
            ids[p["email"]]
            for p in people
            if p["role"] == "mentor"
            and p["language"] == "en"
            and load.get(ids[p["email"]], 0) < 5
            and ids[p["email"]] != current.get(hand_teacher)
        )
        paired = await client.post(
            f"{mat}{base}/pairings",
            json={"teacher_id": hand_teacher, "mentor_id": hand_mentor, "note": NOTE},
            headers=coordinator,
        )
        assert paired.status_code == 201, paired.text
        refused = await client.post(
            f"{mat}{base}/pairings",
            json={"teacher_id": hand_teacher, "mentor_id": ids[people[0]["email"]]},  # a French mentor
            headers=coordinator,
        )
        assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "mentor_id"
        assert refused.headers["content-type"].startswith("application/problem+json")
        decided = {
            h["id"]: (
                sorted(p["participant_id"] for p in h["members"]),
                sorted(p["participant_id"] for p in h["leaders"]),
            )
            for h in (
                await client.get(
                    f"{mat}/v1/hubs",
                    params={"board": board, "program_year": YEAR, "limit": 100},
                    headers=coordinator,
                )
            ).json()["items"]
        }
        assert mover in decided[target["id"]][0] and incoming in decided[swapped_hub["id"]][1]

        # ---- The year's meetings, from today on.
        first, last = date(2026, 9, 1), date(2027, 6, 30)
        calendar = await client.put(
            f"{mat}/v1/boards/{board}/calendars/{YEAR}",
            json={"first_day": first.isoformat(), "last_day": last.isoformat()},
            headers=coordinator,
        )
        assert calendar.status_code == 200, calendar.text
        weekdays = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        csv_text = "date,available\n" + "".join(f"{d.isoformat()},40\n" for d in weekdays if d.weekday() < 5)
        capacity = await client.post(
            f"{mat}/v1/boards/{board}/release-capacity/csv",
            content=csv_text.encode(),
            headers={**coordinator, "content-type": "text/csv"},
        )
        assert capacity.status_code == 200, capacity.text
        outside = await client.post(
            f"{mat}/v1/boards/{board}/hub-meetings/schedule",
            json={"program_year": YEAR, "start": "2029-03-03", "end": "2029-03-10"},
            headers=coordinator,
        )
        assert outside.status_code == 422 and {e["field"] for e in outside.json()["errors"]} == {
            "start",
            "end",
        }
        scheduled = await client.post(
            f"{mat}/v1/boards/{board}/hub-meetings/schedule",
            json={"program_year": YEAR, "meetings_per_hub": 4},
            headers=coordinator,
        )
        assert scheduled.status_code == 200, scheduled.text
        meetings = scheduled.json()["scheduled"]
        today = datetime.now(UTC).date()
        assert meetings and all(date.fromisoformat(m["day"]) >= today for m in meetings)
        invitations = sum(len(m["attendees"]) for m in meetings)

        # Quiet before the rerun: every invitation delivered, nothing pending in notifications.
        def delivered_invitations() -> bool:
            return sum(1 for m in smtp.sink.messages if template(m) == "hub_meeting") >= invitations

        assert await wait_until(delivered_invitations, timeout=60)

        async def nothing_pending() -> bool:
            rows = await fetch(notifications_db, "SELECT count(*) FROM notifications WHERE state = 'pending'")
            return rows[0][0] == 0

        assert await wait_until(nothing_pending, timeout=30)
        mark = len(smtp.sink.messages)
        events_before = (await fetch(matching_db, "SELECT count(*) FROM outbox WHERE board = $1", board))[0][
            0
        ]

        # ---- Rerun with nothing new, and publish it: the same hubs, every decision kept, nothing sent.
        rerun = await client.post(f"{mat}{base}/matching-runs", headers=coordinator)
        assert rerun.status_code == 201, rerun.text
        counts = rerun.json()["counts"]
        assert (
            counts["hubs_formed"]
            == counts["hubs_changed"]
            == counts["hubs_dissolved"]
            == counts["moves"]
            == 0
        )
        republished = await client.post(
            f"{mat}{base}/matching-runs/{rerun.json()['id']}/publish", headers=coordinator
        )
        assert republished.status_code == 200, republished.text
        after = {
            h["id"]: (
                sorted(p["participant_id"] for p in h["members"]),
                sorted(p["participant_id"] for p in h["leaders"]),
                h["locked"],
            )
            for h in (
                await client.get(
                    f"{mat}/v1/hubs",
                    params={"board": board, "program_year": YEAR, "limit": 100},
                    headers=coordinator,
                )
            ).json()["items"]
        }
        assert {k: v[:2] for k, v in after.items()} == decided  # every hub id, member and leader unchanged
        assert after[locked_hub["id"]][2] is True
        pairs_after = (
            await client.get(f"{mat}{base}/pairings", params={"limit": 1000}, headers=coordinator)
        ).json()
        assert {"teacher_id": hand_teacher, "mentor_id": hand_mentor, "manual": True} in [
            {k: x[k] for k in ("teacher_id", "mentor_id", "manual")} for x in pairs_after["items"]
        ]
        decisions = (await client.get(f"{mat}{base}/standing-decisions", headers=coordinator)).json()
        assert {d["kind"] for d in decisions} == {"member", "leader", "not_leader", "pairing"}
        events_after = (await fetch(matching_db, "SELECT count(*) FROM outbox WHERE board = $1", board))[0][0]
        assert events_after == events_before  # the rerun announced nothing

        # ---- A late registrant (the sentinel for the rerun's silence): a hub and a mentor within seconds.
        open_hub = next(h for h in english if h["id"] != locked_hub["id"] and len(after[h["id"]][0]) < 8)
        late = person(
            board,
            "beginning_teacher",
            77,
            grade_band=open_hub["grade_band"],
            themes=[open_hub["theme"]],
            subjects=["Mathematics"],
        )
        late_id = await register(late)
        email_of[late_id] = late["email"]

        async def late_placement() -> dict[str, Any] | None:
            response = await client.get(f"{mat}/v1/participants/{late_id}/placement", headers=coordinator)
            body = response.json() if response.status_code == 200 else {}
            return body if body.get("hub") and body.get("one_to_one_mentor") else None

        placement = await wait_until(late_placement, timeout=15)
        assert placement, "the late registrant got no hub and mentor"
        mentor_of_late = str(placement["one_to_one_mentor"]["participant_id"])
        assert smtp.sink.wait_for(
            lambda m: template(m) == "hub_changed" and late["email"] in str(m["To"]), timeout=20
        )
        assert smtp.sink.wait_for(
            lambda m: template(m) == "mentor_paired" and email_of[mentor_of_late] in str(m["To"]), timeout=20
        )
        # Every mail since the mark is the late registrant's doing: to them, their mentor, or the
        # people of the hub they joined (told someone joined). Nothing went to anyone else.
        late_hub = (await client.get(f"{mat}/v1/hubs/{placement['hub']['id']}", headers=coordinator)).json()
        concerned = {email_of[p["participant_id"]] for p in (*late_hub["members"], *late_hub["leaders"])}
        concerned |= {late["email"], email_of[mentor_of_late]}
        since = smtp.sink.messages[mark:]
        assert since and {address(m) for m in since} <= concerned, (
            f"mail after the rerun: {sorted((template(m), address(m)) for m in since)}"
        )
        assert {template(m) for m in since} <= {"welcome", "hub_changed", "hub_meeting", "mentor_paired"}
        assert [m for m in since if template(m) == "hub_meeting" and address(m) != late["email"]] == []

        # ---- What the calendar holds: no meeting on a hub that is gone, no place held by a cancelled one.
        orphans = await fetch(
            matching_db,
            "SELECT id FROM hub_meetings m WHERE board = $1 AND status = 'scheduled' "
            "AND NOT EXISTS (SELECT 1 FROM hubs h WHERE h.id = m.hub_id)",
            board,
        )
        assert orphans == []
        held = await fetch(
            matching_db,
            "SELECT b.day, b.booked, coalesce(sum(m.releases) FILTER (WHERE m.status = 'scheduled'), 0) AS used "
            "FROM release_day_bookings b LEFT JOIN hub_meetings m ON m.board = b.board AND m.day = b.day "
            "WHERE b.board = $1 GROUP BY b.day, b.booked HAVING b.booked <> "
            "coalesce(sum(m.releases) FILTER (WHERE m.status = 'scheduled'), 0)",
            board,
        )
        assert held == []
        # The coordinator's note never reached anyone's mailbox.
        assert not [m for m in smtp.sink.messages if "trained in June" in m.as_string()]
        # No internal id in what people read (links aside).
        internal = {*ids.values(), *decided, *(m["id"] for m in meetings)}
        leaks = []
        for m in smtp.sink.messages:
            if address(m) not in {*ids, late["email"]}:
                continue
            for part in m.walk():
                if part.get_content_type() == "text/plain":
                    for line in str(part.get_content()).splitlines():
                        if "http" not in line and any(i in line for i in internal):
                            leaks.append((template(m), line))
        assert leaks == []


def calendar_of(message: Any) -> str:
    """The message's iCalendar part (text/calendar), unfolded; empty if it has none."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return str(part.get_content()).replace("\r\n ", "").replace("\n ", "")
    return ""


async def test_meetings_follow_their_hub_cancel_to_every_invitee_and_places_return(
    system: System, smtp: SmtpServer, token
) -> None:
    """A dissolved hub's future meetings reach each invitee as METHOD:CANCEL and give their places
    back; a moved member gets CANCEL for the old hub's meetings and REQUEST for the new hub's."""
    board = unique_board()
    admin = token("province_admin")
    coordinator = auth(token("board_coordinator", board=board))
    reg, mat = system.url("registration"), system.url("matching")
    base = f"/v1/boards/{board}/program-years/{YEAR}"
    matching_db = system.database_url("matching")
    with httpx.Client(timeout=30) as setup:
        create_board(setup, reg, admin, board)
    people = [
        *(
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
            for n in range(8)
        ),
        *(
            person(board, "beginning_teacher", n, grade_band="junior", themes=["intermediate_mathematics"])
            for n in range(28)
        ),
    ]
    async with httpx.AsyncClient(timeout=60) as client:
        ids = {}
        for body in people:
            response = await client.post(f"{reg}/v1/participants", json=body, headers=auth(admin))
            assert response.status_code == 201, response.text
            ids[body["email"]] = str(response.json()["id"])
        email_of = {v: k for k, v in ids.items()}

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
        assert len(hubs) == 4
        assert (
            await client.put(
                f"{mat}/v1/boards/{board}/calendars/{YEAR}",
                json={"first_day": "2026-09-01", "last_day": "2027-06-30"},
                headers=coordinator,
            )
        ).status_code == 200
        first = date(2026, 9, 1)
        csv_text = "date,available\n" + "".join(
            f"{d.isoformat()},40\n"
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
            json={"program_year": YEAR, "meetings_per_hub": 2},
            headers=coordinator,
        )
        assert scheduled.status_code == 200, scheduled.text
        meetings = scheduled.json()["scheduled"]
        assert len(meetings) == 8
        # Notifications has sent every invitation before the move (the two events are consumed
        # independently: had the move's new version arrived first, everyone in the target hub would
        # rightly get that version as their first and only invitation, which is a different story).
        notifications_db = system.database_url("notifications")

        async def every_invitation_sent() -> bool:
            rows = await fetch(
                notifications_db,
                "SELECT count(*) FROM scheduled_items WHERE item_id = ANY($1::uuid[])",
                [uuid.UUID(m["id"]) for m in meetings],
            )
            return rows[0][0] == len(meetings)

        assert await wait_until(every_invitation_sent, timeout=30)

        # A move: the mover hears CANCEL for the old hub's meetings and REQUEST for the new one's.
        source, target = hubs[0], hubs[1]
        mover = source["members"][0]["participant_id"]
        moved = await client.post(
            f"{mat}/v1/hubs/{source['id']}/moves",
            json={"participant_id": mover, "to_hub_id": target["id"], "force": True},
            headers=coordinator,
        )
        assert moved.status_code == 200, moved.text

        def invites_to(who: str, method: str) -> list[str]:
            return [
                calendar_of(m)
                for m in smtp.sink.messages
                if address(m) == email_of[who]
                and template(m) == "hub_meeting"
                and f"METHOD:{method}" in calendar_of(m)
            ]

        old = [m["id"] for m in meetings if m["hub_id"] == source["id"]]
        new = [m["id"] for m in meetings if m["hub_id"] == target["id"]]
        assert await wait_until(lambda: len(invites_to(mover, "CANCEL")) >= len(old), timeout=30)
        assert await wait_until(lambda: len(invites_to(mover, "REQUEST")) >= len(old) + len(new), timeout=30)
        cancels = invites_to(mover, "CANCEL")
        assert sorted(next(m for m in old if m in c) for c in cancels) == sorted(old)
        assert all(any(m in c for c in invites_to(mover, "REQUEST")) for m in new)

        # Those who stay keep their meetings: still on in notifications' store with the mover taken
        # off the old hub's and added to the new hub's, their reminders still due, and no email about
        # the new version (SEQUENCE:1), which was news only for the mover.
        hub_people = {
            h["id"]: {p["participant_id"] for p in (*h["members"], *h["leaders"])} - {mover}
            for h in (source, target)
        }
        items = await fetch(
            notifications_db,
            "SELECT item_id, hub_id, cancelled, attendees::text AS attendees, sequence FROM scheduled_items "
            "WHERE item_id = ANY($1::uuid[])",
            [uuid.UUID(m) for m in old + new],
        )
        assert len(items) == len(old) + len(new)
        for item in items:
            invited = set(json.loads(item["attendees"]))
            assert item["cancelled"] is False and item["sequence"] == 1
            assert hub_people[str(item["hub_id"])] <= invited
            assert (mover in invited) == (str(item["item_id"]) in new)
        due = await fetch(
            notifications_db,
            "SELECT state FROM reminders WHERE key = ANY($1::text[])",
            [f"meeting:{m}" for m in old + new],
        )
        assert [r["state"] for r in due] == ["pending"] * len(old + new)
        updates = await fetch(
            notifications_db,
            "SELECT recipient_email FROM notifications WHERE board = $1 AND template = 'hub_meeting' "
            "AND calendar LIKE '%SEQUENCE:1%'",
            board,
        )
        assert sorted(r["recipient_email"] for r in updates) == [email_of[mover]] * (len(old) + len(new))

        # Bigger hubs: two hubs instead of four, so at least two dissolve on publish.
        policy = await client.put(
            f"{mat}/v1/boards/{board}/matching-policy",
            json={"min_hub_size": 12, "max_hub_size": 16},
            headers=coordinator,
        )
        assert policy.status_code == 200, policy.text
        current = {
            h["id"]: [p["participant_id"] for p in (*h["members"], *h["leaders"])]
            for h in (
                await client.get(f"{mat}/v1/hubs", params={"board": board}, headers=coordinator)
            ).json()["items"]
        }
        rerun = (await client.post(f"{mat}{base}/matching-runs", headers=coordinator)).json()
        draft = (
            await client.get(f"{mat}{base}/matching-runs/{rerun['id']}/draft", headers=coordinator)
        ).json()
        dissolved = draft["difference"]["dissolved"]
        assert len(dissolved) >= 2
        published = await client.post(f"{mat}{base}/matching-runs/{rerun['id']}/publish", headers=coordinator)
        assert published.status_code == 200, published.text
        assert published.json()["counts"]["meetings_cancelled"] == sum(
            1 for m in meetings if m["hub_id"] in dissolved
        )
        rows = await fetch(
            matching_db, "SELECT id, hub_id, attendees FROM hub_meetings WHERE board = $1 AND hub_id = ANY($2::uuid[])",
            board, [uuid.UUID(h) for h in dissolved],
        )  # fmt: skip
        for row in rows:
            invitees = [str(a) for a in row["attendees"]]
            assert sorted(invitees) == sorted(current[str(row["hub_id"])])
            for who in invitees:  # each invitee gets this meeting's CANCEL
                assert await wait_until(
                    lambda who=who, row=row: [c for c in invites_to(who, "CANCEL") if str(row["id"]) in c],
                    timeout=30,
                ), (who, row["id"])
        statuses = await fetch(
            matching_db,
            "SELECT DISTINCT status FROM hub_meetings WHERE board = $1 AND hub_id = ANY($2::uuid[])",
            board,
            [uuid.UUID(h) for h in dissolved],
        )
        assert [r["status"] for r in statuses] == ["cancelled"]
        held = await fetch(
            matching_db,
            "SELECT b.day FROM release_day_bookings b LEFT JOIN hub_meetings m ON m.board = b.board "
            "AND m.day = b.day AND m.status = 'scheduled' WHERE b.board = $1 GROUP BY b.day, b.booked "
            "HAVING b.booked <> coalesce(sum(m.releases), 0)",
            board,
        )
        assert held == []  # every place the cancelled meetings held is back
