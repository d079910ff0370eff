"""Adjusting a draft before publishing, on the running matching service (real PostgreSQL and
RabbitMQ): move a member, swap a leader, pair by hand; the difference is recomputed after each; a
refused adjustment names every reason by code and values; nothing is announced before publishing;
publishing makes the adjustments standing decisions that a rerun keeps; a discarded adjusted draft
changes nothing."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from services.matching.domain.placement_model import Mentor, Teacher
from services.matching.tests.e2e.test_matching_api import BusTap, _known, bus, eventually  # noqa: F401
from services.matching.tests.integration.people import YEAR, mentor_event, pid, synthetic, teacher_event
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def _outbox(system: System, board: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(system.database_url("matching")))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE board = $1", board))
    finally:
        await conn.close()


def _where(hubs: list[dict[str, Any]]) -> dict[str, str]:
    return {p["participant_id"]: h["id"] for h in hubs for p in h["members"]}


def _choose_move(
    hubs: list[dict[str, Any]], t: dict[str, Teacher], m: dict[str, Mentor]
) -> tuple[str, str, str]:
    """A teacher, their hub and another hub of the same language and track no leader of which
    evaluates them."""
    for a in hubs:
        for person in a["members"]:
            x = person["participant_id"]
            for b in hubs:
                if b["id"] == a["id"] or (b["language"], b["track"]) != (a["language"], a["track"]):
                    continue
                if any(t[x].hr_id in m[lead["participant_id"]].evaluates_hr_ids for lead in b["leaders"]):
                    continue
                return x, a["id"], b["id"]
    raise AssertionError("no possible move in the synthetic board")


def _choose_leader(
    hubs: list[dict[str, Any]], avoid: set[str], t: dict[str, Teacher], m: dict[str, Mentor]
) -> tuple[str, str, str]:
    """A hub (not in ``avoid``), one of its leaders and a mentor who may replace them."""
    for c in hubs:
        if c["id"] in avoid or not c["leaders"]:
            continue
        leaders = {p["participant_id"] for p in c["leaders"]}
        for mid, mentor in sorted(m.items(), key=lambda kv: not kv[1].trained):
            track = "school_leaders" if mentor.leads_school_leaders else "teachers"
            if mid in leaders or (mentor.language, track) != (c["language"], c["track"]):
                continue
            if any(t[p["participant_id"]].hr_id in mentor.evaluates_hr_ids for p in c["members"]):
                continue
            return c["id"], sorted(leaders)[0], mid
    raise AssertionError("no possible leader swap in the synthetic board")


def _choose_pairing(
    pairings: list[dict[str, Any]], t: dict[str, Teacher], m: dict[str, Mentor]
) -> tuple[str, str, str]:
    """A paired teacher to unpair, and another teacher their mentor (then free) may take instead."""
    current = {p["teacher"]["participant_id"]: p["mentor"]["participant_id"] for p in pairings}
    for freed, mid in sorted(current.items()):
        mentor = m[mid]
        for tid, teacher in sorted(t.items()):
            if (
                tid != freed
                and teacher.role == "beginning_teacher"
                and current.get(tid) != mid
                and mentor.language == teacher.language
                and teacher.hr_id not in mentor.evaluates_hr_ids
            ):
                return freed, tid, mid
    raise AssertionError("no possible pairing in the synthetic board")


async def test_adjust_a_draft_then_publish_or_discard(matching_system: System, bus: BusTap, token):  # noqa: F811
    board = unique_board()
    teachers, mentors = synthetic(board, 30, 10, seed=4)
    await bus.publish(
        *(mentor_event(x, board) for x in mentors), *(teacher_event(x, board) for x in teachers)
    )
    assert await eventually(lambda: _known(matching_system, board, 40), timeout=60)
    t = {str(pid(f"{board}/{x.participant_id}")): x for x in teachers}
    m = {str(pid(f"{board}/{x.participant_id}")): x for x in mentors}
    mine = auth(token("board_coordinator", board=board))
    base = f"/v1/boards/{board}/program-years/{YEAR}"
    async with httpx.AsyncClient(base_url=matching_system.url("matching"), timeout=60) as client:
        first = (await client.post(f"{base}/matching-runs", headers=mine)).json()
        assert (
            await client.post(f"{base}/matching-runs/{first['id']}/publish", headers=mine)
        ).status_code == 200
        # Nothing new: the draft is the published state, publishing it would change nothing.
        run = (await client.post(f"{base}/matching-runs", headers=mine)).json()
        runs = f"{base}/matching-runs/{run['id']}"
        draft = (await client.get(f"{runs}/draft", headers=mine)).json()
        assert draft["difference"]["empty"] is True and draft["adjustments"] == []
        announced = await _outbox(matching_system, board)
        assert announced > 0  # the first publication announced its hubs
        decisions_before = (await client.get(f"{base}/standing-decisions", headers=mine)).json()

        # Move a member: the difference names the move and both hubs as changed.
        who, source, target = _choose_move(draft["hubs"], t, m)
        moved = await client.post(
            f"{runs}/draft/moves",
            json={"participant_id": who, "to_hub_id": target, "note": "closer to her school", "force": True},
            headers=mine,
        )
        assert moved.status_code == 200, moved.text
        after_move = moved.json()
        assert after_move["difference"]["moves"] == [
            {"participant_id": who, "from_hub_id": source, "to_hub_id": target}
        ]
        assert {c["hub_id"] for c in after_move["difference"]["changed"]} == {source, target}
        assert after_move["difference"]["empty"] is False
        assert _where(after_move["hubs"])[who] == target
        target_doc = next(h for h in after_move["hubs"] if h["id"] == target)
        assert target_doc["status"] == "changed"
        assert next(p for p in target_doc["members"] if p["participant_id"] == who)["explanation"].startswith(
            "moved here by the coordinator"
        )
        # The hub's explanation is counted again from its members as they now are.
        size = len(target_doc["members"])
        assert f"{size} " in target_doc["explanation"]

        # Swap a leader of a third hub.
        hub, outgoing, incoming = _choose_leader(after_move["hubs"], {source, target}, t, m)
        swapped = await client.post(
            f"{runs}/draft/leaders",
            json={"hub_id": hub, "leader_id": outgoing, "new_leader_id": incoming, "force": True},
            headers=mine,
        )
        assert swapped.status_code == 200, swapped.text
        after_swap = swapped.json()
        change = next(c for c in after_swap["difference"]["changed"] if c["hub_id"] == hub)
        assert change == {"hub_id": hub, "added": [incoming], "removed": [outgoing]}
        assert after_swap["difference"]["moves"] == after_move["difference"]["moves"]  # leaders never "move"

        # Unpair a teacher, then pair another with the mentor this frees.
        freed, teacher, mentor = _choose_pairing(after_swap["pairings"], t, m)
        full = await client.post(
            f"{runs}/draft/pairings", json={"teacher_id": teacher, "mentor_id": mentor}, headers=mine
        )
        if m[mentor].one_to_one_capacity == sum(
            1 for p in after_swap["pairings"] if p["mentor"]["participant_id"] == mentor
        ):
            assert full.status_code == 409
            assert [e["code"] for e in full.json()["errors"]] == ["mentor_capacity"]
            assert full.json()["errors"][0]["values"]["capacity"] == m[mentor].one_to_one_capacity
        unpaired = await client.delete(f"{runs}/draft/pairings/{freed}", headers=mine)
        assert unpaired.status_code == 200, unpaired.text
        assert freed in unpaired.json()["difference"]["pairings_ended"]
        paired = await client.post(
            f"{runs}/draft/pairings", json={"teacher_id": teacher, "mentor_id": mentor}, headers=mine
        )
        assert paired.status_code == 200, paired.text
        after_pair = paired.json()
        assert teacher in after_pair["difference"]["pairings_changed"]
        assert freed in after_pair["difference"]["pairings_ended"]
        assert (teacher, mentor) in {
            (p["teacher"]["participant_id"], p["mentor"]["participant_id"]) for p in after_pair["pairings"]
        }
        assert freed not in {p["teacher"]["participant_id"] for p in after_pair["pairings"]}
        assert [a["kind"] for a in after_pair["adjustments"]] == ["move", "leader", "unpair", "pair"]

        # Refused: every reason named with its code and values, the draft unchanged.
        evaluator = next(x for x in mentors if x.evaluates_hr_ids)
        evaluated = next(x for x in teachers if x.hr_id in evaluator.evaluates_hr_ids)
        e_id, v_id = (
            str(pid(f"{board}/{evaluator.participant_id}")),
            str(pid(f"{board}/{evaluated.participant_id}")),
        )
        v_hub = _where(after_pair["hubs"])[v_id]
        refused = await client.post(
            f"{runs}/draft/leaders",
            json={"hub_id": v_hub, "leader_id": v_id, "new_leader_id": e_id},
            headers=mine,
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("application/problem+json")
        errors = {e["code"]: e for e in refused.json()["errors"]}
        assert {"not_a_leader", "leader_evaluates_member"} <= set(errors)
        assert v_id in errors["leader_evaluates_member"]["values"]["member_ids"]
        assert errors["leader_evaluates_member"]["field"] == "new_leader_id"
        assert all(e["message"] for e in refused.json()["errors"])
        refused_pair = await client.post(
            f"{runs}/draft/pairings", json={"teacher_id": v_id, "mentor_id": e_id}, headers=mine
        )
        assert refused_pair.status_code == 409
        assert "mentor_evaluates_teacher" in {e["code"] for e in refused_pair.json()["errors"]}
        unknown = await client.post(
            f"{runs}/draft/moves",
            json={"participant_id": str(uuid.uuid4()), "to_hub_id": str(uuid.uuid4())},
            headers=mine,
        )
        assert unknown.status_code == 422
        assert [e["field"] for e in unknown.json()["errors"]] == ["participant_id", "to_hub_id"]
        unchanged = (await client.get(f"{runs}/draft", headers=mine)).json()
        assert unchanged["difference"] == after_pair["difference"] and len(unchanged["adjustments"]) == 4

        # Nothing announced, nothing decided before publishing.
        assert await _outbox(matching_system, board) == announced
        assert (await client.get(f"{base}/standing-decisions", headers=mine)).json() == decisions_before

        # Publish: the hubs, pairings, events and standing decisions reflect the adjustments.
        assert (await client.post(f"{runs}/publish", headers=mine)).status_code == 200
        hubs = (await client.get("/v1/hubs", params={"board": board, "limit": 1000}, headers=mine)).json()[
            "items"
        ]
        assert _where(hubs)[who] == target
        assert {p["participant_id"] for p in next(h for h in hubs if h["id"] == hub)["leaders"]} >= {incoming}
        assert outgoing not in {
            p["participant_id"] for p in next(h for h in hubs if h["id"] == hub)["leaders"]
        }
        listed = (await client.get(f"{base}/pairings", params={"limit": 1000}, headers=mine)).json()["items"]
        assert (teacher, mentor) in {(p["teacher_id"], p["mentor_id"]) for p in listed}
        assert freed not in {p["teacher_id"] for p in listed}

        def joined() -> bool:
            return any(
                e["hub_id"] == target and who in e["added"] for e in bus.of("HubMembershipChanged", board)
            )

        assert await eventually(joined, timeout=60)
        event = next(
            e for e in bus.of("HubMembershipChanged", board) if e["hub_id"] == target and who in e["added"]
        )
        assert "coordinator_decision" in {r["code"] for r in event["member_reasons"][who]}
        assert "closer to her school" not in str(event)
        assert await eventually(
            lambda: any(
                e["hub_id"] == hub and incoming in e["added"] and outgoing in e["removed"]
                for e in bus.of("HubMembershipChanged", board)
            ),
            timeout=60,
        )
        assert await eventually(
            lambda: any(
                e["teacher_id"] == teacher and e["mentor_id"] == mentor for e in bus.of("MentorPaired", board)
            ),
            timeout=60,
        )
        decisions = (await client.get(f"{base}/standing-decisions", headers=mine)).json()
        kinds = {(d["kind"], d["participant_id"]) for d in decisions}
        assert {
            ("member", who),
            ("leader", incoming),
            ("not_leader", outgoing),
            ("pairing", teacher),
            ("unpaired", freed),
        } <= kinds
        assert next(d for d in decisions if d["kind"] == "member")["note"] == "closer to her school"

        # A rerun with something new (a late registrant) solves again and keeps every adjustment.
        late = dataclasses.replace(teachers[0], participant_id="LATE-T1", hr_id="LATE-HR-T1")
        await bus.publish(teacher_event(late, board))
        assert await eventually(lambda: _known(matching_system, board, 41), timeout=60)
        rerun = (await client.post(f"{base}/matching-runs", headers=mine)).json()
        again = (await client.get(f"{base}/matching-runs/{rerun['id']}/draft", headers=mine)).json()
        assert _where(again["hubs"])[who] == target
        assert incoming in {
            p["participant_id"] for h in again["hubs"] if h["id"] == hub for p in h["leaders"]
        }
        assert (teacher, mentor) in {
            (p["teacher"]["participant_id"], p["mentor"]["participant_id"]) for p in again["pairings"]
        }
        assert (
            await client.post(f"{base}/matching-runs/{rerun['id']}/discard", headers=mine)
        ).status_code == 200

        # A discarded adjusted draft leaves nothing behind.
        published = (
            await client.get("/v1/hubs", params={"board": board, "limit": 1000}, headers=mine)
        ).json()
        quiet = await _outbox(matching_system, board)
        last = (await client.post(f"{base}/matching-runs", headers=mine)).json()
        lastruns = f"{base}/matching-runs/{last['id']}"
        ldraft = (await client.get(f"{lastruns}/draft", headers=mine)).json()
        who2, _, target2 = _choose_move(ldraft["hubs"], t, m)
        adjusted = await client.post(
            f"{lastruns}/draft/moves",
            json={"participant_id": who2, "to_hub_id": target2, "force": True},
            headers=mine,
        )
        assert adjusted.status_code == 200 and adjusted.json()["difference"]["moves"]
        assert (await client.post(f"{lastruns}/discard", headers=mine)).status_code == 200
        after = (await client.get("/v1/hubs", params={"board": board, "limit": 1000}, headers=mine)).json()
        assert after == published
        assert (await client.get(f"{base}/standing-decisions", headers=mine)).json() == decisions
        assert await _outbox(matching_system, board) == quiet
        closed = await client.post(
            f"{lastruns}/draft/moves", json={"participant_id": who2, "to_hub_id": target2}, headers=mine
        )
        assert closed.status_code == 409 and closed.json()["errors"][0]["field"] == "run_id"
