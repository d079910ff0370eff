"""Matching as a running service: registration's events arrive on the real bus, a coordinator runs
matching over HTTP, hubs come back with names and explanations, HubFormed and HubMembershipChanged
leave on the bus; and no endpoint lets another board's coordinator see or touch anything."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.matching.domain.forming import check_hard_constraints
from services.matching.domain.placement_model import Hub, MatchingResult, Teacher, Unplaced
from services.matching.tests.integration.people import (
    YEAR,
    as_registered,
    mentor_event,
    pid,
    synthetic,
    teacher_event,
)
from shared.events.catalog import encode
from shared.events.envelope import IntegrationEvent
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


class BusTap:
    """A test queue bound to ``<prefix>.events`` with ``matching.#``: every event matching publishes."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def start(self, system: System) -> BusTap:
        self.connection = await aio_pika.connect(system.infra.rabbitmq_url)
        channel = await self.connection.channel()
        exchange = await channel.get_exchange(f"{system.prefix}.events")
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="matching.#")
        await queue.consume(self._on_message)
        self.publisher = await self.connection.channel(publisher_confirms=True)
        self.exchange = await self.publisher.get_exchange(f"{system.prefix}.events")
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            self.messages.append(json.loads(message.body))

    def of(self, event_type: str, board: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == event_type and m["board"] == board]

    async def publish(self, *events: IntegrationEvent) -> None:
        for event in events:
            await self.exchange.publish(
                aio_pika.Message(encode(event), message_id=str(event.event_id), delivery_mode=2),
                routing_key=event.routing_key(),
            )


@pytest_asyncio.fixture(loop_scope="session")
async def bus(matching_system: System) -> AsyncIterator[BusTap]:
    tap = await BusTap().start(matching_system)
    yield tap
    await tap.connection.close()


async def known(system: System, board: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(system.database_url("matching")))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM participants WHERE board = $1", board))
    finally:
        await conn.close()


async def eventually(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    return await wait_until(predicate, timeout=timeout)


def result_of(hubs: list[dict[str, Any]], unplaced: list[dict[str, Any]]) -> MatchingResult:
    return MatchingResult(
        hubs=tuple(
            Hub(
                hub_key=h["id"],
                board=h["board"],
                theme=h["theme"],
                grade_band=h["grade_band"],
                language=h["language"],
                track=h["track"],
                members=tuple(m["participant_id"] for m in h["members"]),
                leaders=tuple(m["participant_id"] for m in h["leaders"]),
                locked=h["locked"],
            )
            for h in hubs
        ),
        unplaced=tuple(Unplaced(u["participant_id"], u["reason"]) for u in unplaced),
    )


async def test_a_board_is_matched_over_http_and_its_hubs_announced_on_the_bus(
    matching_system: System, bus: BusTap, token
):
    board = unique_board()
    url = matching_system.url("matching")
    teachers, mentors = synthetic(board, 40, 12, seed=3)
    await bus.publish(
        *(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in teachers)
    )
    assert await eventually(lambda: _known(matching_system, board, 52))
    coordinator = auth(token("board_coordinator", board=board))

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        response = await client.post(
            f"/v1/boards/{board}/program-years/{YEAR}/matching-runs", headers=coordinator
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.text
        run = response.json()
        assert response.headers["location"].endswith(run["id"])
        assert run["status"] == "draft"
        published = await client.post(
            f"/v1/boards/{board}/program-years/{YEAR}/matching-runs/{run['id']}/publish", headers=coordinator
        )
        assert published.status_code == 200 and published.json()["status"] == "published", published.text
        assert run["counts"]["teachers"] == 40 and run["counts"]["mentors"] == 12
        assert elapsed < 5, f"a 52-person board took {elapsed:.1f}s"

        hubs = (
            await client.get("/v1/hubs", params={"board": board, "limit": 200}, headers=coordinator)
        ).json()
        unplaced = (
            await client.get(f"/v1/boards/{board}/program-years/{YEAR}/unplaced", headers=coordinator)
        ).json()
        assert hubs["total"] == run["counts"]["hubs"] > 0
        for hub in hubs["items"]:
            assert 6 <= hub["member_count"] <= 8 and len(hub["leaders"]) == 2
            assert hub["explanation"] and all(m["display_name"] and m["explanation"] for m in hub["members"])
        result = result_of(hubs["items"], unplaced)
        expected_teachers = as_registered(teachers, board)
        assert check_hard_constraints(result, expected_teachers, as_registered(mentors, board)) == []
        assert all(u["reason"] and u["display_name"] for u in unplaced)
        # Every person carries their HR id, to join with the board's own records.
        hr_of = {str(p.participant_id): p.hr_id for p in (*expected_teachers, *as_registered(mentors, board))}
        people = [p for h in hubs["items"] for p in (*h["members"], *h["leaders"])]
        assert people and all(p["hr_id"] == hr_of[p["participant_id"]] for p in people)
        assert all(u["hr_id"] == hr_of[u["participant_id"]] for u in unplaced)
        detail = (await client.get(f"/v1/hubs/{hubs['items'][0]['id']}", headers=coordinator)).json()
        assert [m["hr_id"] for m in detail["members"]] == [
            hr_of[m["participant_id"]] for m in detail["members"]
        ]
        # A page holds up to 1,000 hubs; the board summary counts what is published, by role.
        assert (
            await client.get("/v1/hubs", params={"board": board, "limit": 1000}, headers=coordinator)
        ).json()["total"] == hubs["total"]
        assert (
            await client.get("/v1/hubs", params={"board": board, "limit": 1001}, headers=coordinator)
        ).status_code == 422
        exported = await client.get(f"/v1/boards/{board}/program-years/{YEAR}/hubs.csv", headers=coordinator)
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        seats = list(csv.DictReader(io.StringIO(exported.text)))
        assert sorted((r["hub_id"], r["participant_id"], r["hr_id"]) for r in seats) == sorted(
            (h["id"], p["participant_id"], p["hr_id"])
            for h in hubs["items"]
            for p in (*h["members"], *h["leaders"])
        )
        summary = (
            await client.get(f"/v1/boards/{board}/program-years/{YEAR}/summary", headers=coordinator)
        ).json()
        assert summary["hubs"] == hubs["total"] and summary["unplaced"] == len(unplaced)
        assert summary["beginning_teachers"]["participants"] == 40
        for name in ("hubs", "placed", "unplaced", "pairings"):
            assert summary[name] == run["counts"][name]
            assert summary["beginning_teachers"][name] == run["counts"]["beginning_teachers"][name]
            assert summary["new_school_leaders"][name] == run["counts"]["new_school_leaders"][name]

        # The events left through the outbox, onto the bus.
        formed = await eventually(
            lambda: len(bus.of("HubFormed", board)) >= hubs["total"] and bus.of("HubFormed", board)
        )
        assert sorted(e["hub_id"] for e in formed) == sorted(h["id"] for h in hubs["items"])
        assert len(bus.of("ParticipantUnplaced", board)) == len(unplaced)
        assert await eventually(lambda: len(bus.of("MentorPaired", board)) == run["counts"]["pairings"])

        # Same input, same hubs: a rerun changes nothing and announces nothing.
        again = await client.post(
            f"/v1/boards/{board}/program-years/{YEAR}/matching-runs", headers=coordinator
        )
        assert again.status_code == 201 and again.json()["counts"]["hubs_formed"] == 0
        assert again.json()["counts"]["hubs_changed"] == again.json()["counts"]["hubs_dissolved"] == 0
        republished = await client.post(
            f"/v1/boards/{board}/program-years/{YEAR}/matching-runs/{again.json()['id']}/publish",
            headers=coordinator,
        )
        assert republished.status_code == 200, republished.text
        rerun = (
            await client.get("/v1/hubs", params={"board": board, "limit": 200}, headers=coordinator)
        ).json()
        assert [(h["id"], h["members"]) for h in rerun["items"]] == [
            (h["id"], h["members"]) for h in hubs["items"]
        ]

        # A late registrant whose goals fit a hub with room joins it; the bus hears about it.
        fitting = next(h for h in hubs["items"] if h["member_count"] < 8)
        late = Teacher(
            participant_id="LATE",
            board=board,
            hr_id="ELM-HR-LATE",
            school="ELM-S42",
            grade_band=fitting["grade_band"],
            subjects=("Arts",),
            themes=(fitting["theme"],),
        )
        late_id = str(pid(f"{board}/LATE"))
        await bus.publish(teacher_event(late, board))
        changed = await eventually(
            lambda: [e for e in bus.of("HubMembershipChanged", board) if late_id in e["added"]]
        )
        assert changed[0]["reason"].startswith("joined late")
        placement = (await client.get(f"/v1/participants/{late_id}/placement", headers=coordinator)).json()
        assert placement["placement_status"] == "placed" and placement["hub"]["id"] == changed[0]["hub_id"]
        assert placement["co_members"] == len(changed[0]["members"]) - 1 and len(placement["leaders"]) == 2
        assert placement["explanation"] and all(leader["display_name"] for leader in placement["leaders"])
        # The teacher may read their own placement, not someone else's.
        own = auth(token("participant", board=board, participant_id=late_id))
        assert (await client.get(f"/v1/participants/{late_id}/placement", headers=own)).status_code == 200
        other = hubs["items"][0]["members"][0]["participant_id"]
        assert (await client.get(f"/v1/participants/{other}/placement", headers=own)).status_code == 404

        # Overrides over HTTP: lock, then a refused move (problem+json naming the field).
        hub_id = hubs["items"][0]["id"]
        locked = await client.post(
            f"/v1/hubs/{hub_id}/lock", json={"note": "met in September"}, headers=coordinator
        )
        assert locked.status_code == 200 and locked.json()["hubs"][0]["locked"] is True
        member = hubs["items"][0]["members"][0]["participant_id"]
        same = await client.post(
            f"/v1/hubs/{hub_id}/moves",
            json={"participant_id": member, "to_hub_id": hub_id},
            headers=coordinator,
        )
        assert same.status_code == 422 and same.json()["errors"][0]["field"] == "to_hub_id"
        audit = await client.get(f"/v1/boards/{board}/program-years/{YEAR}/overrides", headers=coordinator)
        assert [(o["action"], o["note"]) for o in audit.json()] == [("lock", "met in September")]
        # A lock changes nobody's hub, so it announces nothing: after a later event (a second late
        # registrant's) has come through, no membership change without anyone added or removed.
        late2 = Teacher(
            participant_id="LATE2",
            board=board,
            hr_id="ELM-HR-LATE2",
            school="ELM-S43",
            grade_band=fitting["grade_band"],
            themes=(fitting["theme"],),
        )
        late2_id = str(pid(f"{board}/LATE2"))
        await bus.publish(teacher_event(late2, board))
        assert await eventually(
            lambda: [
                e
                for kind in ("HubMembershipChanged", "ParticipantUnplaced", "HubFormed")
                for e in bus.of(kind, board)
                if late2_id in (*e.get("added", ()), *e.get("members", ()), e.get("participant_id"))
            ]
        )
        assert [e for e in bus.of("HubMembershipChanged", board) if not e["added"] and not e["removed"]] == []
        assert all("met in September" not in str(e) for e in bus.of("HubMembershipChanged", board))


async def _known(system: System, board: str, count: int) -> bool:
    return await known(system, board) >= count


async def test_every_endpoint_keeps_boards_apart(matching_system: System, bus: BusTap, token):
    board, other = unique_board(), unique_board()
    url = matching_system.url("matching")
    teachers, mentors = synthetic(board, 14, 5, seed=2)
    await bus.publish(
        *(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in teachers)
    )
    assert await eventually(lambda: _known(matching_system, board, 19))
    mine = auth(token("board_coordinator", board=board))
    theirs = auth(token("board_coordinator", board=other))
    admin = auth(token("province_admin"))
    base = f"/v1/boards/{board}/program-years/{YEAR}"

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await client.post(f"{base}/matching-runs", headers=theirs)).status_code == 404
        run = await client.post(f"{base}/matching-runs", headers=admin)
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]
        assert (
            await client.post(f"{base}/matching-runs/{run_id}/publish", headers=theirs)
        ).status_code == 404
        assert (await client.get(f"{base}/matching-runs/{run_id}/draft", headers=theirs)).status_code == 404
        published = await client.post(f"{base}/matching-runs/{run_id}/publish", headers=admin)
        assert published.status_code == 200, published.text
        hubs = (await client.get("/v1/hubs", params={"board": board}, headers=mine)).json()["items"]
        assert hubs
        hub_id, member = hubs[0]["id"], hubs[0]["members"][0]["participant_id"]
        leader = hubs[0]["leaders"][0]["participant_id"]
        refused: list[tuple[str, str, dict[str, Any] | None]] = [
            ("POST", f"{base}/matching-runs", None),
            ("GET", f"{base}/matching-runs", None),
            ("GET", f"{base}/matching-runs/{run_id}", None),
            ("GET", f"{base}/unplaced", None),
            ("GET", f"{base}/summary", None),
            ("GET", f"{base}/hubs.csv", None),
            ("GET", f"{base}/overrides", None),
            ("GET", f"/v1/boards/{board}/matching-policy", None),
            ("PUT", f"/v1/boards/{board}/matching-policy", {"min_hub_size": 5, "max_hub_size": 9}),
            ("GET", "/v1/hubs?board=" + board, None),
            ("GET", f"/v1/hubs/{hub_id}", None),
            ("POST", f"/v1/hubs/{hub_id}/moves", {"participant_id": member, "to_hub_id": hub_id}),
            ("POST", f"/v1/hubs/{hub_id}/leader-swaps", {"leader_id": leader, "new_leader_id": leader}),
            ("POST", f"/v1/hubs/{hub_id}/lock", {}),
            ("POST", f"/v1/hubs/{hub_id}/unlock", {}),
            ("GET", f"/v1/participants/{member}/placement", None),
            ("GET", f"/v1/participants/{leader}/placement", None),
        ]
        for method, path, body in refused:
            response = await client.request(method, path, json=body, headers=theirs)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert member not in response.json()["detail"]  # nothing confirmed about the other board
            # ... while the board's own coordinator gets an answer.
            if method == "GET":
                assert (await client.get(path, headers=mine)).status_code == 200, path
        # Lists of another board's coordinator show nothing of this board.
        listed = (await client.get("/v1/hubs", headers=theirs)).json()
        assert listed["total"] == 0 and listed["items"] == []
        # Unauthenticated callers and participants of the board get no coordinator views.
        assert (await client.get(f"{base}/unplaced")).status_code == 401
        participant = auth(token("participant", board=board, participant_id=member))
        assert (await client.get(f"{base}/unplaced", headers=participant)).status_code == 403
        # Nothing changed for the owner: no override recorded, the hub is unlocked.
        assert (await client.get(f"{base}/overrides", headers=mine)).json() == []
        assert (await client.get(f"/v1/hubs/{hub_id}", headers=mine)).json()["locked"] is False
