"""Coordinator overrides on a board's hubs: move a member, swap (or add) a leader, lock or unlock.

Non-evaluation, language and track always hold; size bounds and leader capacity give way only to
``force``. Every override is audited (who, when, what, why), explained on the hub and announced
with HubMembershipChanged; it holds the board's lock so it never interleaves with a run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import Override, StandingDecisionRow
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain.adjusting import (
    explain_leader,
    explain_member,
    leader_load,
    leader_swap_verdict,
    move_verdict,
)
from services.matching.domain.errors import Invalid, MatchingConflict
from services.matching.service_layer.errors import NotFound
from services.matching.service_layer.hubs import (
    add_person,
    append_explanation,
    membership_changed,
    refresh_flags,
    remove_person,
)
from services.matching.service_layer.meetings_follow import follow_hubs
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.matching import Reason


async def _hub(uow: UnitOfWork, principal: Principal, hub_id: uuid.UUID) -> StoredHub:
    """The hub, locked for this change, if the principal's board owns it (else 404)."""
    where = await repositories(uow).hubs.hub_board(hub_id)
    if where is None or not principal.can_access_board(where[0]):
        raise NotFound("No such hub in your board.")
    await repositories(uow).boards.lock_board(where[0])
    found = await repositories(uow).hubs.load_hubs(
        board=where[0], program_year=where[1], hub_ids=[hub_id], for_update=True
    )
    if not found:
        raise NotFound("No such hub in your board.")
    return found[0]


async def _decide(
    uow: UnitOfWork,
    hub: StoredHub,
    principal: Principal,
    *,
    kind: str,
    participant_id: str,
    note: str | None,
    replaces: tuple[str, ...],
    on_hub: bool = False,
) -> None:
    """Record a standing decision (every later run keeps it until released); the note stays here,
    with the coordinators, and never travels in an event."""
    await repositories(uow).decisions.replace_decisions(
        board=hub.row.board,
        program_year=hub.row.program_year,
        participant_id=participant_id,
        kinds=replaces,
        hub_id=hub.row.id if on_hub else None,
    )
    repositories(uow).add(
        StandingDecisionRow(
            board=hub.row.board,
            program_year=hub.row.program_year,
            kind=kind,
            participant_id=uuid.UUID(participant_id),
            hub_id=hub.row.id,
            note=note,
            actor=principal.subject,
            at=datetime.now(UTC),
        )
    )


def _audit(
    uow: UnitOfWork,
    hub: StoredHub,
    *,
    action: str,
    principal: Principal,
    note: str | None,
    participant_id: str | None = None,
    details: dict[str, object] | None = None,
    forced: bool = False,
) -> Override:
    override = Override(
        board=hub.row.board,
        program_year=hub.row.program_year,
        hub_id=hub.row.id,
        action=action,
        participant_id=uuid.UUID(participant_id) if participant_id else None,
        details=details or {},
        forced=forced,
        note=note,
        actor=principal.subject,
        at=datetime.now(UTC),
    )
    repositories(uow).add(override)
    return override


async def move_member(
    uow: UnitOfWork,
    principal: Principal,
    *,
    hub_id: uuid.UUID,
    participant_id: uuid.UUID,
    to_hub_id: uuid.UUID,
    note: str | None,
    force: bool,
) -> tuple[Override, list[StoredHub]]:
    source = await _hub(uow, principal, hub_id)
    where = await repositories(uow).hubs.hub_board(to_hub_id)
    if where is None or where[0] != source.row.board:
        raise NotFound("No such target hub in your board.", field="to_hub_id")
    if where[1] != source.row.program_year:
        raise Invalid("to_hub_id", "the target hub belongs to another program year")
    if to_hub_id == hub_id:
        raise Invalid("to_hub_id", "the member is already in this hub")
    target = (
        await repositories(uow).hubs.load_hubs(
            board=where[0], program_year=where[1], hub_ids=[to_hub_id], for_update=True
        )
    )[0]
    pid = str(participant_id)
    if pid not in {str(m.participant_id) for m in source.members}:
        raise Invalid("participant_id", "not a member of this hub")
    rules = await repositories(uow).boards.load_rules(source.row.board)
    people = await repositories(uow).people.load_people(
        source.row.board, source.row.program_year, rules.region
    )
    teacher = people.teachers.get(pid)
    if teacher is None:
        raise Invalid("participant_id", "this member has withdrawn")
    verdict = move_verdict(teacher, source.domain(), target.domain(), people.mentors, rules.policy)
    if verdict.refusals:
        raise MatchingConflict("; ".join(verdict.refusals), field="to_hub_id")
    if not verdict.allowed(force):
        raise MatchingConflict("; ".join(verdict.warnings) + "; send force=true to override", field="force")

    gone = remove_person(source, pid)
    assert gone is not None
    await repositories(uow).delete(gone)
    await repositories(uow).flush()  # the one-hub-per-member index must see the old row gone
    repositories(uow).add(
        add_person(
            target,
            pid,
            "member",
            f"moved here by the coordinator. {explain_member(teacher, target.domain(), people.teachers)}",
        )
    )
    # Explanations are read by participants: no note, no id (the audit keeps both).
    today = datetime.now(UTC).date().isoformat()
    append_explanation(source, f"Coordinator change {today}: a member moved to another hub.")
    append_explanation(target, f"Coordinator change {today}: a member joined from another hub.")
    await _decide(uow, target, principal, kind="member", participant_id=pid, note=note, replaces=("member",))
    for hub in (source, target):
        refresh_flags(hub, people.mentors, rules.policy)
    override = _audit(
        uow,
        source,
        action="move",
        principal=principal,
        note=note,
        participant_id=pid,
        details={
            "from_hub_id": str(hub_id),
            "to_hub_id": str(to_hub_id),
            "overridden": list(verdict.warnings),
        },
        forced=bool(verdict.warnings),
    )
    reason = "the coordinator moved a member"
    uow.publish(
        membership_changed(
            source.domain(),
            source.row.program_year,
            removed=[pid],
            reason=reason,
            change="coordinator_move",
            teachers=people.teachers,
            mentors=people.mentors,
        )
    )
    uow.publish(
        membership_changed(
            target.domain(),
            target.row.program_year,
            added=[pid],
            reason=reason,
            change="coordinator_move",
            member_reasons={pid: [Reason(code="coordinator_decision")]},
            teachers=people.teachers,
            mentors=people.mentors,
            decided=[pid],
        )
    )
    await repositories(uow).flush()
    await follow_hubs(
        uow,
        board=source.row.board,
        today=datetime.now(UTC).date(),
        left={source.row.id: [pid]},
        joined={target.row.id: [pid]},
    )
    await uow.commit()
    return override, [source, target]


async def swap_leader(
    uow: UnitOfWork,
    principal: Principal,
    *,
    hub_id: uuid.UUID,
    leader_id: uuid.UUID | None,
    new_leader_id: uuid.UUID,
    note: str | None,
    force: bool,
) -> tuple[Override, list[StoredHub]]:
    hub = await _hub(uow, principal, hub_id)
    board, year = hub.row.board, hub.row.program_year
    rules = await repositories(uow).boards.load_rules(board)
    people = await repositories(uow).people.load_people(board, year, rules.region)
    incoming = people.mentors.get(str(new_leader_id))
    if incoming is None:
        raise Invalid("new_leader_id", "not a mentor of this board and program year (or withdrawn)")
    all_hubs = await repositories(uow).hubs.load_hubs(board=board, program_year=year)
    load = leader_load(h.domain() for h in all_hubs)
    outgoing = str(leader_id) if leader_id else None
    members = [
        people.teachers[str(m.participant_id)]
        for m in hub.members
        if str(m.participant_id) in people.teachers
    ]
    verdict = leader_swap_verdict(
        hub.domain(), outgoing, incoming, members, load.get(incoming.participant_id, 0), rules.policy
    )
    if verdict.refusals:
        raise MatchingConflict("; ".join(verdict.refusals), field="new_leader_id")
    if not verdict.allowed(force):
        raise MatchingConflict("; ".join(verdict.warnings) + "; send force=true to override", field="force")
    removed: list[str] = []
    if outgoing is not None:
        gone = remove_person(hub, outgoing)
        assert gone is not None
        await repositories(uow).delete(gone)
        removed.append(outgoing)
        if load.get(outgoing, 0) <= 1:
            await repositories(uow).people.set_status([outgoing], "available")
    repositories(uow).add(
        add_person(
            hub,
            incoming.participant_id,
            "leader",
            f"chosen by the coordinator; {explain_leader(incoming, hub.domain())}",
        )
    )
    await _decide(
        uow,
        hub,
        principal,
        kind="leader",
        participant_id=incoming.participant_id,
        note=note,
        replaces=("leader", "not_leader"),
        on_hub=True,
    )
    if outgoing is not None:
        await _decide(
            uow,
            hub,
            principal,
            kind="not_leader",
            participant_id=outgoing,
            note=note,
            replaces=("leader", "not_leader"),
            on_hub=True,
        )
    await repositories(uow).people.set_status([incoming.participant_id], "leading")
    today = datetime.now(UTC).date().isoformat()
    what = "a hub leader was replaced" if outgoing else "a hub leader was added"
    append_explanation(hub, f"Coordinator change {today}: {what}.")
    refresh_flags(hub, people.mentors, rules.policy)
    override = _audit(
        uow,
        hub,
        action="swap_leader",
        principal=principal,
        note=note,
        participant_id=incoming.participant_id,
        details={
            "outgoing_leader_id": outgoing,
            "new_leader_id": incoming.participant_id,
            "overridden": list(verdict.warnings),
        },
        forced=bool(verdict.warnings),
    )
    uow.publish(
        membership_changed(
            hub.domain(),
            year,
            added=[incoming.participant_id],
            removed=removed,
            reason=f"the coordinator changed the hub's leaders: {what}",
            change="leader_change",
            member_reasons={incoming.participant_id: [Reason(code="coordinator_decision")]},
            teachers=people.teachers,
            mentors=people.mentors,
            decided=[incoming.participant_id],
        )
    )
    await repositories(uow).flush()
    await follow_hubs(
        uow,
        board=board,
        today=datetime.now(UTC).date(),
        left={hub.row.id: removed} if removed else None,
        joined={hub.row.id: [incoming.participant_id]},
    )
    await uow.commit()
    return override, [hub]


async def set_locked(
    uow: UnitOfWork, principal: Principal, *, hub_id: uuid.UUID, locked: bool, note: str | None
) -> tuple[Override | None, list[StoredHub]]:
    """Lock (keep as it is through reruns and late joiners) or unlock a hub; no-op if unchanged.
    Nobody's hub changes, so nothing is announced."""
    hub = await _hub(uow, principal, hub_id)
    if hub.row.locked == locked:
        return None, [hub]
    hub.row.locked = locked
    action = "lock" if locked else "unlock"
    today = datetime.now(UTC).date().isoformat()
    effect = "reruns and late joiners leave it as it is" if locked else "the next run may re-form it"
    append_explanation(hub, f"Coordinator {action}ed the hub {today}: {effect}.")
    override = _audit(uow, hub, action=action, principal=principal, note=note)
    await repositories(uow).flush()
    await uow.commit()
    return override, [hub]
