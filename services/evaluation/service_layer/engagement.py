"""Engagement use cases: recording a meeting held (published as HubMeetingRecorded, which this
service's own consumer turns into attendance and a pulse), and engagement of a board or the province
as of a given instant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from services.evaluation.adapters.repository import EvaluationRepository
from services.evaluation.domain import events as domain_events
from services.evaluation.domain.engagement import BoardEngagement, Meeting, board_engagement, record_meeting
from services.evaluation.service_layer.callers import Caller
from services.evaluation.service_layer.contracts import to_integration
from services.evaluation.service_layer.errors import NotFound
from shared.db import UnitOfWork


async def record_meeting_held(
    uow: UnitOfWork,
    caller: Caller,
    meeting_id: uuid.UUID,
    *,
    present: Sequence[uuid.UUID],
    absent: Sequence[uuid.UUID],
    now: datetime,
) -> domain_events.HubMeetingRecorded:
    """A hub leader of the meeting's hub (or a coordinator of its board) records it held and who came."""
    repo = EvaluationRepository(uow.session)
    found = await repo.meeting(meeting_id)
    if found is None or not caller.sees_board(found[0]):
        raise NotFound("hub meeting")
    board, meeting = found
    hub = await repo.hub(meeting.hub_id)
    if hub is None:
        raise NotFound("hub meeting")
    is_leader = caller.participant_id is not None and caller.participant_id in hub.leaders
    if not (caller.staff or is_leader):
        raise NotFound("hub meeting")
    present_set, absent_set = record_meeting(hub, meeting, present=present, absent=absent, now=now)
    held = domain_events.HubMeetingRecorded(
        board=board,
        meeting_id=meeting.id,
        hub_id=hub.id,
        held_at=meeting.starts_at,
        recorded_at=now,
        present=sorted(present_set),
        absent=sorted(absent_set),
    )
    uow.publish(to_integration(held))
    await uow.commit()
    return held


async def meetings_to_record(uow: UnitOfWork, leader_id: uuid.UUID, *, now: datetime) -> list[Meeting]:
    """The meetings of the hubs a participant leads that have started and were not cancelled, each held
    (recorded) or not: what a hub leader may record."""
    repo = EvaluationRepository(uow.session)
    led = [h.id for h in await repo.hubs_of(leader_id) if leader_id in h.leaders]
    return await repo.meetings_of_hubs(led, started_by=now)


async def board(
    uow: UnitOfWork, caller: Caller, *, board: str, program_year: str, as_of: datetime
) -> BoardEngagement:
    if not caller.sees_board(board):
        raise NotFound("board")
    facts = await EvaluationRepository(uow.session).board_facts(board, program_year)
    return board_engagement(
        board,
        facts.hubs,
        facts.meetings,
        facts.pairings,
        facts.observations,
        sessions_attended=facts.sessions_attended,
        enrolments=facts.enrolments,
        as_of=as_of,
    )


async def province(uow: UnitOfWork, *, program_year: str, as_of: datetime) -> list[BoardEngagement]:
    repo = EvaluationRepository(uow.session)
    everyone = Caller(boards=None, staff=True)
    return [
        await board(uow, everyone, board=code, program_year=program_year, as_of=as_of)
        for code in await repo.boards(program_year)
    ]
