"""Adjusting a draft before it is published: move a member from one drafted hub to another, choose
a drafted hub's leader, pair or unpair a beginning teacher by hand.

Each adjustment is checked against the same hard rules as a change to published hubs (every reason
named by a code and its values), then the draft is recomputed: hub explanations and flags, member
explanations, the difference from what is published, the counts. The adjustment is kept with the
draft; it becomes a standing decision only when the draft is published (``standing_rows``), so a
discarded draft leaves nothing behind. Nothing is announced before publishing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from services.matching.adapters.tables import MatchingRun, StandingDecisionRow
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain import continuity
from services.matching.domain.adjusting import explain_leader, explain_member, hub_flags
from services.matching.domain.draft_rules import (
    blocking,
    leader_refusals,
    move_refusals,
    pairing_refusals,
)
from services.matching.domain.errors import InvalidFields, Refused
from services.matching.domain.explaining import hub_sentence
from services.matching.domain.placement_model import Hub
from services.matching.domain.run_outcome import counts_by_role
from services.matching.service_layer.runs import _draft_run, _hub_of, diff_counts, difference_doc
from shared.auth import Principal
from shared.db import UnitOfWork

AdjustmentKind = Literal["move", "leader", "pair", "unpair"]
COORDINATOR_PAIRING = "paired by the coordinator"


@dataclass(frozen=True)
class Adjustment:
    kind: AdjustmentKind
    participant_id: str  # the member moved, the new leader, the teacher paired or unpaired
    hub_id: str | None = None  # the target hub of a move, the hub of a leader change
    leader_id: str | None = None  # the outgoing leader (None: an empty seat)
    mentor_id: str | None = None
    note: str | None = None
    force: bool = False


def _hub_doc(
    hub: Hub, status: str, old: Mapping[str, Any], explanations: Mapping[str, str]
) -> dict[str, Any]:
    return {
        **old,
        "status": status,
        "explanation": hub.explanation,
        "flags": list(hub.flags),
        "members": list(hub.members),
        "leaders": list(hub.leaders),
        "explanations": {pid: explanations.get(pid, "") for pid in (*hub.members, *hub.leaders)},
    }


async def adjust_draft(
    uow: UnitOfWork,
    principal: Principal,
    *,
    board: str,
    program_year: str,
    run_id: uuid.UUID,
    adjustment: Adjustment,
) -> MatchingRun:
    """Apply one adjustment to an open draft and recompute it; the caller commits."""
    repos = repositories(uow)
    run = await _draft_run(uow, board, program_year, run_id)
    assert run.draft is not None
    draft: dict[str, Any] = dict(run.draft)
    rules = await repos.boards.load_rules(board)
    people = await repos.people.load_people(board, program_year, rules.region)
    docs: list[dict[str, Any]] = list(draft["hubs"])
    hubs = {d["id"]: _hub_of(d, board) for d in docs}
    expl = {d["id"]: dict(d["explanations"]) for d in docs}
    pairings = {p["teacher_id"]: dict(p) for p in draft["pairings"]}
    unplaced = {u["participant_id"]: dict(u) for u in draft["unplaced"]}
    hub_of_member = {m: h.hub_key for h in hubs.values() for m in h.members}
    touched: set[str] = set()
    a = adjustment
    pid = a.participant_id

    if a.kind == "move":
        teacher = people.teachers.get(pid)
        errors: list[tuple[str, str]] = []
        if teacher is None or (pid not in hub_of_member and pid not in unplaced):
            errors.append(("participant_id", "not a teacher of this draft (placed or unplaced)"))
        if a.hub_id not in hubs:
            errors.append(("to_hub_id", "not a hub of this draft"))
        if errors:
            raise InvalidFields(errors)
        assert teacher is not None and a.hub_id is not None
        source = hubs.get(hub_of_member.get(pid, ""))
        target = hubs[a.hub_id]
        refused = blocking(move_refusals(teacher, source, target, people.mentors, rules.policy), a.force)
        if refused:
            raise Refused(refused)
        if source is not None:
            hubs[source.hub_key] = replace(source, members=tuple(m for m in source.members if m != pid))
            touched.add(source.hub_key)
        unplaced.pop(pid, None)
        hubs[target.hub_key] = replace(target, members=(*target.members, pid))
        touched.add(target.hub_key)
    elif a.kind == "leader":
        incoming = people.mentors.get(pid)
        errors = []
        if incoming is None:
            errors.append(("new_leader_id", "not an active mentor of this board and program year"))
        if a.hub_id not in hubs:
            errors.append(("hub_id", "not a hub of this draft"))
        if errors:
            raise InvalidFields(errors)
        assert incoming is not None and a.hub_id is not None
        hub = hubs[a.hub_id]
        load = sum(1 for h in hubs.values() if pid in h.leaders and h.hub_key != hub.hub_key)
        members = [people.teachers[m] for m in hub.members if m in people.teachers]
        refused = blocking(leader_refusals(hub, a.leader_id, incoming, members, load, rules.policy), a.force)
        if refused:
            raise Refused(refused)
        leaders = tuple(m for m in hub.leaders if m != a.leader_id)
        hubs[hub.hub_key] = replace(hub, leaders=(*leaders, pid))
        touched.add(hub.hub_key)
    elif a.kind == "pair":
        teacher = people.teachers.get(pid)
        mentor = people.mentors.get(a.mentor_id or "")
        errors = []
        if teacher is None or teacher.role != "beginning_teacher":
            errors.append(("teacher_id", "not an active beginning teacher of this board and program year"))
        if mentor is None:
            errors.append(("mentor_id", "not an active mentor of this board and program year"))
        if errors:
            raise InvalidFields(errors)
        assert teacher is not None and mentor is not None
        current = pairings.get(pid)
        if current is None or current["mentor_id"] != mentor.participant_id:
            load = sum(1 for t, p in pairings.items() if p["mentor_id"] == mentor.participant_id and t != pid)
            refused = pairing_refusals(teacher, mentor, load)
            if refused:
                raise Refused(refused)
            pairings[pid] = {
                "teacher_id": pid,
                "mentor_id": mentor.participant_id,
                "explanation": COORDINATOR_PAIRING,
                "reasons": [{"code": "coordinator_decision", "values": {}}],
            }
    else:  # unpair
        if pid not in pairings:
            raise InvalidFields([("teacher_id", "this teacher has no one-to-one mentor in this draft")])
        del pairings[pid]

    # Recompute what the adjustment changed: explanations and flags of the hubs it touched.
    for key in touched:
        hub = hubs[key]
        hub = replace(
            hub,
            explanation=hub_sentence(hub, people.teachers, people.mentors),
            flags=hub_flags(hub, people.mentors, rules.policy),
        )
        hubs[key] = hub
        kept = expl[key]
        expl[key] = {}
        for m in hub.members:
            if m in people.teachers:
                why = explain_member(people.teachers[m], hub, people.teachers)
                moved_here = a.kind == "move" and m == pid and key == a.hub_id
                expl[key][m] = f"moved here by the coordinator. {why}" if moved_here else why
        for m in hub.leaders:
            if m == pid and a.kind == "leader":
                expl[key][m] = f"chosen by the coordinator; {explain_leader(people.mentors[m], hub)}"
            else:
                expl[key][m] = kept.get(m, "")

    stored = await repos.hubs.load_hubs(board=board, program_year=program_year)
    published_pairings = {
        t: str(row.mentor_id) for t, row in (await repos.placements.pairings_of(board, program_year)).items()
    }
    published_unplaced = {
        p: row.reason for p, row in (await repos.placements.unplaced_of(board, program_year)).items()
    }
    draft_unplaced = {p: u["reason"] for p, u in unplaced.items()}
    diff = continuity.difference(
        [s.domain() for s in stored],
        list(hubs.values()),
        published_pairings=published_pairings,
        draft_pairings={t: p["mentor_id"] for t, p in pairings.items()},
        published_unplaced=published_unplaced,
        draft_unplaced=draft_unplaced,
    )
    status_of = {key: "formed" for key in diff.formed} | {c.hub_id: "changed" for c in diff.changed}
    draft["hubs"] = [
        _hub_doc(hubs[d["id"]], status_of.get(d["id"], "unchanged"), d, expl[d["id"]]) for d in docs
    ]
    draft["pairings"] = [pairings[t] for t in sorted(pairings)]
    draft["unplaced"] = [unplaced[p] for p in sorted(unplaced)]
    draft["difference"] = difference_doc(diff)
    draft["adjustments"] = [
        *draft.get("adjustments", []),
        {
            "kind": a.kind,
            "participant_id": pid,
            "hub_id": a.hub_id,
            "leader_id": a.leader_id,
            "mentor_id": a.mentor_id,
            "note": a.note,
            "forced": a.force,
            "actor": principal.subject,
            "at": datetime.now(UTC).isoformat(),
        },
    ]
    run.draft = draft  # a new object: the JSON column is written again
    run.counts = {
        **run.counts,
        **diff_counts(diff),
        "placed": sum(len(h.members) for h in hubs.values()),
        "unplaced": len(unplaced),
        "pairings": len(pairings),
        "adjustments": len(draft["adjustments"]),
        **counts_by_role(
            hubs.values(), unplaced, pairings, {pid: t.role for pid, t in people.teachers.items()}
        ),
    }
    await repos.flush()
    await uow.commit()
    return run


def decided_in(draft: Mapping[str, Any]) -> dict[str, set[str]]:
    """Who each hub holds by the coordinator's adjustment of the draft (for the events' reasons)."""
    out: dict[str, set[str]] = {}
    for a in draft.get("adjustments", []):
        if a["kind"] in ("move", "leader") and a["hub_id"]:
            out.setdefault(a["hub_id"], set()).add(a["participant_id"])
    return out


async def standing_rows(uow: UnitOfWork, run: MatchingRun) -> None:
    """On publishing: the draft's adjustments become standing decisions every later run keeps (a
    later adjustment of the same question replaces an earlier one, as on published hubs)."""
    assert run.draft is not None
    repos = repositories(uow)
    for a in run.draft.get("adjustments", []):
        rows: list[tuple[str, str, str | None, str | None, tuple[str, ...]]] = []
        if a["kind"] == "move":
            rows.append(("member", a["participant_id"], a["hub_id"], None, ("member",)))
        elif a["kind"] == "leader":
            rows.append(("leader", a["participant_id"], a["hub_id"], None, ("leader", "not_leader")))
            if a["leader_id"]:
                rows.append(("not_leader", a["leader_id"], a["hub_id"], None, ("leader", "not_leader")))
        elif a["kind"] == "pair":
            rows.append(("pairing", a["participant_id"], None, a["mentor_id"], ("pairing", "unpaired")))
        else:
            rows.append(("unpaired", a["participant_id"], None, None, ("pairing", "unpaired")))
        for kind, participant, hub_id, mentor_id, replaces in rows:
            on_hub = kind in ("leader", "not_leader")
            await repos.decisions.replace_decisions(
                board=run.board,
                program_year=run.program_year,
                participant_id=participant,
                kinds=replaces,
                hub_id=uuid.UUID(hub_id) if on_hub and hub_id else None,
            )
            repos.add(
                StandingDecisionRow(
                    board=run.board,
                    program_year=run.program_year,
                    kind=kind,
                    participant_id=uuid.UUID(participant),
                    hub_id=uuid.UUID(hub_id) if hub_id else None,
                    mentor_id=uuid.UUID(mentor_id) if mentor_id else None,
                    note=a["note"],
                    actor=a["actor"],
                    at=datetime.fromisoformat(a["at"]),
                )
            )
            await repos.flush()
