"""A matching run drafts a board's hubs for a program year; the coordinator reviews the draft and
publishes it (or discards it). Only publishing changes what participants see and announces it.

A run reads the board's participants from matching's own view and solves; the solution is mapped
onto the published hubs (largest overlap keeps a hub's id, meetings and history) and the
coordinator's standing decisions (moves, leader swaps, locks, manual pairings) are applied on top.
When nothing the solution depends on changed since the published run, the draft is the published
state itself: a rerun with nothing new changes nothing. Two runs of one board never interleave,
even on two replicas: each holds the board's advisory lock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import MatchingRun
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain import continuity
from services.matching.domain.continuity import Decision
from services.matching.domain.errors import MatchingConflict
from services.matching.domain.placement_model import Hub, Pairing
from services.matching.domain.run_outcome import LastRun, PublishedState, run_outcome
from services.matching.service_layer import coaches, readiness
from services.matching.service_layer.errors import NotFound
from services.matching.service_layer.hubs import as_reasons, explanations, hub_formed, membership_changed
from services.matching.service_layer.meetings_follow import follow_hubs
from services.matching.service_layer.placement import place_late
from shared.db import UnitOfWork
from shared.events.matching import MentorPaired, MentorUnpaired, ParticipantUnplaced, Reason

LOCK_WAIT_SECONDS = 2.0
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


async def _acquire(uow: UnitOfWork, board: str, wait: float) -> None:
    """Wait briefly for the board's lock (a late joiner being placed), then refuse."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not await repositories(uow).boards.try_lock_board(board):
        if loop.time() >= deadline:
            raise MatchingConflict(
                f"a matching run or a hub change for board {board} is in progress; retry shortly",
                retry_after=2,
            )
        await asyncio.sleep(0.1)


def decision_of(row: Any) -> Decision:
    return Decision(
        kind=row.kind,
        participant_id=str(row.participant_id),
        hub_id=str(row.hub_id) if row.hub_id else None,
        mentor_id=str(row.mentor_id) if row.mentor_id else None,
    )


def _hub_doc(hub: Hub, status: str, member_explanations: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    return {
        "id": hub.hub_key,
        "status": status,
        "theme": hub.theme,
        "grade_band": hub.grade_band,
        "language": hub.language,
        "track": hub.track,
        "locked": hub.locked,
        "explanation": hub.explanation,
        "flags": list(hub.flags),
        "members": list(hub.members),
        "leaders": list(hub.leaders),
        "explanations": {
            pid: member_explanations.get((hub.hub_key, pid), "") for pid in (*hub.members, *hub.leaders)
        },
    }


def _hub_of(doc: Mapping[str, Any], board: str) -> Hub:
    return Hub(
        hub_key=doc["id"],
        board=board,
        theme=doc["theme"],
        grade_band=doc["grade_band"],
        language=doc["language"],
        track=doc["track"],
        members=tuple(doc["members"]),
        leaders=tuple(doc["leaders"]),
        explanation=doc["explanation"],
        flags=tuple(doc["flags"]),
        locked=doc["locked"],
    )


def _stored_explanations(stored: Sequence[StoredHub]) -> dict[tuple[str, str], str]:
    return {
        (str(s.id), str(m.participant_id)): m.explanation for s in stored for m in (*s.members, *s.leaders)
    }


def difference_doc(diff: continuity.Difference) -> dict[str, Any]:
    """A draft's difference from what is published, as the draft keeps (and shows) it."""
    return {
        "formed": list(diff.formed),
        "changed": [
            {"hub_id": c.hub_id, "added": list(c.added), "removed": list(c.removed)} for c in diff.changed
        ],
        "dissolved": list(diff.dissolved),
        "unchanged": list(diff.unchanged),
        "moves": [
            {"participant_id": m.participant_id, "from_hub_id": m.from_hub_id, "to_hub_id": m.to_hub_id}
            for m in diff.moves
        ],
        "pairings_changed": list(diff.pairings_changed),
        "pairings_ended": list(diff.pairings_ended),
        "unplaced_changed": list(diff.unplaced_changed),
        "empty": diff.empty,
    }


def diff_counts(diff: continuity.Difference) -> dict[str, int]:
    return {
        "hubs_formed": len(diff.formed),
        "hubs_changed": len(diff.changed),
        "hubs_unchanged": len(diff.unchanged),
        "hubs_dissolved": len(diff.dissolved),
        "moves": len(diff.moves),
    }


async def run_matching(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    requested_by: str,
    clock: Clock = _now,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> MatchingRun:
    """Draft the hubs of ``board`` for ``program_year`` (nothing is announced); the caller commits."""
    await _acquire(uow, board, lock_wait)
    repos = repositories(uow)
    started = clock()
    run_id = uuid.uuid4()
    rules = await repos.boards.load_rules(board)
    people = await repos.people.load_people(board, program_year, rules.region)
    stored = await repos.hubs.load_hubs(board=board, program_year=program_year)
    published = [s.domain() for s in stored]
    published_pairings = {
        t: str(row.mentor_id) for t, row in (await repos.placements.pairings_of(board, program_year)).items()
    }
    published_unplaced = {
        p: row.reason for p, row in (await repos.placements.unplaced_of(board, program_year)).items()
    }
    decisions = [decision_of(r) for r in await repos.decisions.decisions_of(board, program_year)]
    last = await repos.runs.last_published_run(board, program_year)
    outcome = run_outcome(
        people.teachers,
        people.mentors,
        PublishedState(published, published_pairings, published_unplaced),
        decisions,
        policy=rules.policy,
        weights=rules.weights,
        last_run=LastRun(last.inputs, last.objective) if last is not None else None,
    )
    hubs, pairings, unplaced = outcome.hubs, outcome.pairings, outcome.unplaced
    unplaced_facts = outcome.unplaced_facts
    diff, skipped, solved = outcome.difference, outcome.decisions_not_applied, outcome.solved
    member_explanations = (
        {
            **_stored_explanations([s for s in stored if s.row.locked]),
            **explanations([h for h in hubs if not h.locked], people.teachers, people.mentors),
        }
        if solved
        else _stored_explanations(stored)
    )
    draft: dict[str, Any] = {
        "solved": solved,
        "hubs": [_hub_doc(h, outcome.status_of(h.hub_key), member_explanations) for h in hubs],
        "pairings": [
            {
                "teacher_id": p.teacher_id,
                "mentor_id": p.mentor_id,
                "explanation": p.explanation,
                "reasons": [r.model_dump() for r in as_reasons(p.facts)],
            }
            for p in pairings
        ],
        "unplaced": [
            {
                "participant_id": p,
                "reason": r,
                "reasons": [x.model_dump() for x in as_reasons(unplaced_facts.get(p, ()))],
            }
            for p, r in sorted(unplaced.items())
        ],
        "difference": difference_doc(diff),
        "decisions_not_applied": [
            {"kind": d.kind, "participant_id": d.participant_id, "hub_id": d.hub_id} for d in skipped
        ],
    }
    await repos.runs.supersede_drafts(board, program_year)
    run = MatchingRun(
        id=run_id,
        board=board,
        program_year=program_year,
        status="draft",
        requested_by=requested_by,
        started_at=started,
        finished_at=clock(),
        objective=round(outcome.objective, 4) if outcome.objective is not None else None,
        counts={
            "teachers": len(people.teachers),
            "mentors": len(people.mentors),
            **outcome.counts,
            **outcome.by_role,
        },
        draft=draft,
        inputs=outcome.inputs,
        base=continuity.state_digest(published, published_pairings),
    )
    repos.add(run)
    await repos.flush()
    return run


async def _draft_run(uow: UnitOfWork, board: str, program_year: str, run_id: uuid.UUID) -> MatchingRun:
    run = await repositories(uow).runs.get_run(run_id, for_update=True)
    if run is None or run.board != board or run.program_year != program_year:
        raise NotFound("No such matching run in your board.", field="run_id")
    if run.status != "draft" or run.draft is None:
        raise MatchingConflict(f"this run is {run.status}, not a draft", field="run_id")
    return run


async def discard_run(uow: UnitOfWork, *, board: str, program_year: str, run_id: uuid.UUID) -> MatchingRun:
    """Drop a draft: nothing changes for anyone."""
    run = await _draft_run(uow, board, program_year, run_id)
    run.status = "discarded"
    await repositories(uow).flush()
    await uow.commit()
    return run


async def _publish(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    run_id: uuid.UUID,
    published_by: str,
    clock: Clock = _now,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> MatchingRun:
    """Make a draft what participants see: hubs keep their ids, dissolved hubs' future meetings are
    cancelled, movers follow their hub's meetings, and every change is announced (outbox)."""
    await _acquire(uow, board, lock_wait)
    repos = repositories(uow)
    run = await _draft_run(uow, board, program_year, run_id)
    assert run.draft is not None
    stored = await repos.hubs.load_hubs(board=board, program_year=program_year, for_update=True)
    pairing_rows = await repos.placements.pairings_of(board, program_year)
    published_pairings = {t: str(row.mentor_id) for t, row in pairing_rows.items()}
    if continuity.state_digest([s.domain() for s in stored], published_pairings) != run.base:
        raise MatchingConflict(
            "the published hubs or pairings changed since this draft was made; run matching again",
            field="run_id",
        )
    published = {str(s.id): s for s in stored}
    docs: list[dict[str, Any]] = run.draft["hubs"]
    hubs = {d["id"]: _hub_of(d, board) for d in docs}
    doc_of = {d["id"]: d for d in docs}
    previous_unplaced = await repos.placements.unplaced_of(board, program_year)
    draft_unplaced: dict[str, str] = {u["participant_id"]: u["reason"] for u in run.draft["unplaced"]}
    draft_pairings = [
        Pairing(p["teacher_id"], p["mentor_id"], p["explanation"]) for p in run.draft["pairings"]
    ]
    # The facts behind each drafted pairing and unplaced person, as the draft kept them.
    pairing_reasons = {
        p["teacher_id"]: [Reason.model_validate(r) for r in p.get("reasons", [])]
        for p in run.draft["pairings"]
    }
    unplaced_reasons = {
        u["participant_id"]: [Reason.model_validate(r) for r in u.get("reasons", [])]
        for u in run.draft["unplaced"]
    }
    diff = continuity.difference(
        [s.domain() for s in stored],
        list(hubs.values()),
        published_pairings=published_pairings,
        draft_pairings={p.teacher_id: p.mentor_id for p in draft_pairings},
    )
    today = clock().date()

    # Hubs: rewrite the members of changed and dissolved hubs, then add the new hubs.
    rewritten = [uuid.UUID(c.hub_id) for c in diff.changed] + [uuid.UUID(k) for k in diff.dissolved]
    await repos.hubs.replace_members(rewritten)
    await repos.flush()
    follow = await follow_hubs(
        uow,
        board=board,
        today=today,
        dissolved=[uuid.UUID(k) for k in diff.dissolved],
        left={uuid.UUID(c.hub_id): c.removed for c in diff.changed if c.removed},
        joined={uuid.UUID(c.hub_id): c.added for c in diff.changed if c.added},
    )
    # Coaches of a dissolved hub no longer support it (its cancelled meetings told them).
    await coaches.release_with_hubs(
        uow,
        board=board,
        hubs={uuid.UUID(k): published[k].row.theme for k in diff.dissolved},
        cancelled=follow.cancelled_by_hub,
    )
    await repos.hubs.delete_hubs([uuid.UUID(k) for k in diff.dissolved])
    member_explanations = {(d["id"], pid): text for d in docs for pid, text in d["explanations"].items()}
    await repos.hubs.insert_hubs(
        program_year=program_year,
        hubs=[hubs[k] for k in diff.formed],
        member_explanations=member_explanations,
        run_id=run.id,
    )
    for change in diff.changed:
        hub = hubs[change.hub_id]
        await repos.hubs.insert_members(
            [
                {
                    "hub_id": uuid.UUID(hub.hub_key),
                    "participant_id": uuid.UUID(pid),
                    "role": role,
                    "board": board,
                    "program_year": program_year,
                    "explanation": member_explanations.get((hub.hub_key, pid), ""),
                }
                for role, people in (("member", hub.members), ("leader", hub.leaders))
                for pid in people
            ],
        )
        await repos.hubs.update_hub(
            uuid.UUID(hub.hub_key),
            {
                "theme": hub.theme,
                "grade_band": hub.grade_band,
                "explanation": doc_of[hub.hub_key]["explanation"],
                "flags": list(hub.flags),
                "run_id": run.id,
            },
        )

    # Unplaced and pairings as drafted.
    await repos.placements.delete_unplaced(board=board, program_year=program_year)
    await repos.placements.upsert_unplaced(
        board=board, program_year=program_year, reasons=draft_unplaced, run_id=run.id
    )
    await repos.placements.replace_pairings(
        board=board, program_year=program_year, pairings=draft_pairings, run_id=run.id
    )
    placed = {m for h in hubs.values() for m in h.members}
    leading = {m for h in hubs.values() for m in h.leaders}
    people = await repos.people.load_people(board, program_year, None)
    await repos.people.set_status(placed, "placed")
    await repos.people.set_status(draft_unplaced, "unplaced")
    await repos.people.set_status(leading, "leading")
    await repos.people.set_status(set(people.mentors) - leading, "available")

    # Teachers who registered while the draft was open are placed now, as late joiners.
    waiting = sorted(set(people.teachers) - placed - set(draft_unplaced))

    # Announce only what changed.
    for key in diff.formed:
        uow.publish(hub_formed(hubs[key], program_year, teachers=people.teachers, mentors=people.mentors))
    # The coordinator's adjustments of this draft become standing decisions now, not before.
    from services.matching.service_layer import drafts  # drafts builds on this module

    await drafts.standing_rows(uow, run)
    decided = drafts.decided_in(run.draft)
    for change in diff.changed:
        uow.publish(
            membership_changed(
                hubs[change.hub_id],
                program_year,
                added=change.added,
                removed=change.removed,
                reason="matching was run again and the coordinator published the result",
                change="rerun",
                teachers=people.teachers,
                mentors=people.mentors,
                decided=sorted(decided.get(change.hub_id, set()) & set(change.added)),
                member_reasons={
                    p: [Reason(code="coordinator_decision")]
                    for p in decided.get(change.hub_id, set()) & set(change.added)
                },
            )
        )
    for key in diff.dissolved:
        old = published[key].domain()
        uow.publish(
            membership_changed(
                replace(old, members=(), leaders=()),
                program_year,
                removed=(*old.members, *old.leaders),
                reason="the hub was dissolved: its members were placed anew",
                change="dissolved",
                meetings_cancelled=follow.cancelled_by_hub.get(uuid.UUID(key), 0),
            )
        )
    for pairing in draft_pairings:
        if pairing.teacher_id in diff.pairings_changed:
            uow.publish(
                MentorPaired(
                    board=board,
                    program_year=program_year,
                    teacher_id=uuid.UUID(pairing.teacher_id),
                    mentor_id=uuid.UUID(pairing.mentor_id),
                    explanation=pairing.explanation,
                    reasons=pairing_reasons.get(pairing.teacher_id, []),
                )
            )
    # A pairing that ended: re-paired (the MentorPaired above tells the former mentor) or unpaired.
    for teacher_id in sorted({*diff.pairings_changed, *diff.pairings_ended}):
        former = published_pairings.get(teacher_id)
        if former is not None:
            uow.publish(
                MentorUnpaired(
                    board=board,
                    program_year=program_year,
                    teacher_id=uuid.UUID(teacher_id),
                    mentor_id=uuid.UUID(former),
                    change="repaired" if teacher_id in diff.pairings_changed else "unpaired",
                )
            )
    for pid, reason in sorted(draft_unplaced.items()):
        old_unplaced = previous_unplaced.get(pid)
        if old_unplaced is None or old_unplaced.reason != reason:
            uow.publish(
                ParticipantUnplaced(
                    board=board,
                    program_year=program_year,
                    participant_id=uuid.UUID(pid),
                    reason=reason,
                    reasons=unplaced_reasons.get(pid, []),
                )
            )

    await repos.flush()
    for participant_id in waiting:
        await place_late(uow, board, program_year, participant_id, cause=None)

    run.status = "published"
    run.published_at = clock()
    run.published_by = published_by
    run.counts = {
        **run.counts,
        "meetings_cancelled": follow.cancelled,
        "release_places_returned": follow.places_returned,
        "meeting_invitations": follow.invited,
        "meeting_cancellations": follow.uninvited,
    }
    await repos.flush()
    return run


async def run_and_publish(
    uow: UnitOfWork, *, board: str, program_year: str, requested_by: str, clock: Clock = _now
) -> MatchingRun:
    """Draft and publish in one transaction (for tools and tests that need no review)."""
    run = await run_matching(
        uow, board=board, program_year=program_year, requested_by=requested_by, clock=clock
    )
    return await _publish(
        uow, board=board, program_year=program_year, run_id=run.id, published_by=requested_by, clock=clock
    )


async def start_run(uow: UnitOfWork, *, board: str, program_year: str, requested_by: str) -> MatchingRun:
    """A coordinator's run, on complete data only (issue 17): the draft is stored, nothing announced."""
    await readiness.ensure_caught_up(uow, board, program_year)
    run = await run_matching(uow, board=board, program_year=program_year, requested_by=requested_by)
    await uow.commit()
    return run


async def publish_run(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    run_id: uuid.UUID,
    published_by: str,
    clock: Clock = _now,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> MatchingRun:
    """Publish a draft (see :func:`_publish`) and commit: participants are told."""
    run = await _publish(
        uow,
        board=board,
        program_year=program_year,
        run_id=run_id,
        published_by=published_by,
        clock=clock,
        lock_wait=lock_wait,
    )
    await uow.commit()
    return run
