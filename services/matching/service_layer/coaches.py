"""Board coaches and consultants who support hubs (issue 16, item 13).

A coach is a member of the board's staff registered as a participant of the program year with the
``mentor`` role (registration's role for experienced staff; give them no hub or one-to-one capacity
so runs never seat them as a leader or pair them). A coordinator assigns a coach to the hubs they
support: the assignment is a standing decision (kind ``coach``) that every later run keeps, since a
published hub keeps its id. A coach is added to the hub's future meetings as an attendee with no
class to cover (no occasional teacher is booked for them) and never takes a leader's seat. The
assignment ends when the coordinator releases it, the hub is dissolved, or the coach withdraws.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import Override, StandingDecisionRow
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain.errors import Invalid, MatchingConflict
from services.matching.service_layer.errors import NotFound
from services.matching.service_layer.hubs import envelope
from services.matching.service_layer.meetings_follow import follow_hubs
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.envelope import IntegrationEvent
from shared.events.matching import HubCoachAssigned, HubCoachReleased

COACH_ROLES = ("mentor",)


async def _hub(uow: UnitOfWork, principal: Principal, hub_id: uuid.UUID) -> StoredHub:
    """The hub, with its board locked, if the principal's board owns it (else 404)."""
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


def _audit(
    uow: UnitOfWork, hub: StoredHub, principal: Principal, action: str, coach: str, note: str | None
) -> None:
    repositories(uow).add(
        Override(
            board=hub.row.board,
            program_year=hub.row.program_year,
            hub_id=hub.row.id,
            action=action,
            participant_id=uuid.UUID(coach),
            details={},
            note=note,
            actor=principal.subject,
            at=datetime.now(UTC),
        )
    )


async def assign_coach(
    uow: UnitOfWork,
    principal: Principal,
    *,
    hub_id: uuid.UUID,
    participant_id: uuid.UUID,
    note: str | None,
    today: date,
) -> tuple[bool, StoredHub]:
    """Assign a coach to a hub (idempotent: ``False`` when they already support it); they are
    invited to its meetings from ``today`` on."""
    hub = await _hub(uow, principal, hub_id)
    board, year = hub.row.board, hub.row.program_year
    view = await repositories(uow).people.participant(participant_id)
    if view is None or view.board != board or view.program_year != year:
        raise Invalid("participant_id", "not a participant of this hub's board and program year")
    if view.withdrawn:
        raise Invalid("participant_id", "this participant has withdrawn")
    if view.role not in COACH_ROLES:
        raise Invalid("participant_id", "a coach or consultant is registered as board staff (role mentor)")
    pid = str(participant_id)
    if pid in {str(m.participant_id) for m in hub.leaders}:
        raise MatchingConflict(
            "this person leads the hub; a coach supports it without a seat", field="participant_id"
        )
    if pid in {str(m.participant_id) for m in hub.members}:
        raise MatchingConflict("this person is a member of the hub", field="participant_id")
    if participant_id in hub.coaches:
        return False, hub
    repositories(uow).add(
        StandingDecisionRow(
            board=board,
            program_year=year,
            kind="coach",
            participant_id=participant_id,
            hub_id=hub.row.id,
            note=note,
            actor=principal.subject,
            at=datetime.now(UTC),
        )
    )
    _audit(uow, hub, principal, "coach_assign", pid, note)
    await repositories(uow).flush()
    follow = await follow_hubs(uow, board=board, today=today, joined={hub.row.id: [pid]}, without_class=[pid])
    hub.coaches.append(participant_id)
    uow.publish(
        HubCoachAssigned(
            board=board,
            hub_id=hub.row.id,
            program_year=year,
            theme=hub.row.theme,
            coach_id=participant_id,
            members=sorted(m.participant_id for m in hub.members),
            leaders=sorted(m.participant_id for m in hub.leaders),
            meetings_invited=follow.invited,
        )
    )
    await uow.commit()
    return True, hub


async def _release(
    uow: UnitOfWork,
    row: StandingDecisionRow,
    *,
    theme: str,
    change: str,
    today: date,
    cause: IntegrationEvent | None = None,
) -> None:
    """End one coach assignment: their copies of the hub's future meetings are cancelled."""
    assert row.hub_id is not None
    await repositories(uow).delete(row)
    await repositories(uow).flush()
    pid = str(row.participant_id)
    follow = await follow_hubs(
        uow, board=row.board, today=today, left={row.hub_id: [pid]}, without_class=[pid]
    )
    uow.publish(
        HubCoachReleased(
            **envelope(cause, row.board),
            hub_id=row.hub_id,
            program_year=row.program_year,
            theme=theme,
            coach_id=row.participant_id,
            change=change,
            meetings_cancelled=follow.uninvited,
        )
    )


async def release_coach(
    uow: UnitOfWork,
    principal: Principal,
    *,
    hub_id: uuid.UUID,
    participant_id: uuid.UUID,
    note: str | None,
    today: date,
) -> StoredHub:
    """The coordinator ends a coach's support of a hub (404 naming ``participant_id`` if none)."""
    hub = await _hub(uow, principal, hub_id)
    row = await repositories(uow).decisions.coach_decision(hub.row.board, hub.row.id, participant_id)
    if row is None:
        raise NotFound("This person does not support this hub.", field="participant_id")
    _audit(uow, hub, principal, "coach_release", str(participant_id), note)
    await _release(uow, row, theme=hub.row.theme, change="released", today=today)
    hub.coaches.remove(participant_id)
    await uow.commit()
    return hub


async def release_decision(uow: UnitOfWork, row: StandingDecisionRow, *, today: date) -> None:
    """A coach assignment released through the standing decisions: the same as :func:`release_coach`."""
    assert row.hub_id is not None
    await repositories(uow).boards.lock_board(row.board)
    hubs = await repositories(uow).hubs.load_hubs(
        board=row.board, program_year=row.program_year, hub_ids=[row.hub_id]
    )
    await _release(uow, row, theme=hubs[0].row.theme if hubs else "", change="released", today=today)


async def release_with_hubs(
    uow: UnitOfWork, *, board: str, hubs: dict[uuid.UUID, str], cancelled: dict[uuid.UUID, int]
) -> None:
    """Coaches of hubs that are dissolved (``hubs``: id → theme) are released: the hub's cancelled
    meetings already told them (HubMeetingCancelled lists them), so no meeting is touched here."""
    for row in await repositories(uow).decisions.coach_decisions_of(board, hub_ids=list(hubs)):
        assert row.hub_id is not None
        await repositories(uow).delete(row)
        uow.publish(
            HubCoachReleased(
                board=board,
                hub_id=row.hub_id,
                program_year=row.program_year,
                theme=hubs[row.hub_id],
                coach_id=row.participant_id,
                change="dissolved",
                meetings_cancelled=cancelled.get(row.hub_id, 0),
            )
        )
    await repositories(uow).flush()


async def release_withdrawn(
    uow: UnitOfWork, *, board: str, coach_id: uuid.UUID, cause: IntegrationEvent
) -> None:
    """A coach who withdrew no longer supports any hub (their meeting copies are cancelled)."""
    rows = await repositories(uow).decisions.coach_decisions_of(board, coach_id=coach_id)
    if not rows:
        return
    themes = {
        s.row.id: s.row.theme
        for s in await repositories(uow).hubs.load_hubs(
            board=board,
            program_year=rows[0].program_year,
            hub_ids=[r.hub_id for r in rows if r.hub_id],
        )
    }
    today = datetime.now(UTC).date()
    for row in rows:
        assert row.hub_id is not None
        await _release(
            uow, row, theme=themes.get(row.hub_id, ""), change="withdrawal", today=today, cause=cause
        )
