"""What a participant reads about their own mentoring web: their hub (names and schools of its people,
why they were placed there, as facts), their one-to-one mentor or mentees, the hubs they lead and the
coming meetings of those hubs. Only ever for the participant asking (the route checks who)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import ParticipantView
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain.explaining import explain_hub, pairing_facts
from shared.db import UnitOfWork


def _facts(found: list[Any]) -> list[dict[str, Any]]:
    return [{"code": f.code, "values": f.as_dict()} for f in found]


def _person(pid: uuid.UUID, known: dict[uuid.UUID, tuple[str, str | None]], me: uuid.UUID) -> dict[str, Any]:
    name, school = known.get(pid, (None, None))
    return {"participant_id": pid, "display_name": name, "school": school, "is_me": pid == me}


def _hub(stored: StoredHub, known: dict[uuid.UUID, tuple[str, str | None]], me: uuid.UUID) -> dict[str, Any]:
    row = stored.row
    return {
        "id": row.id,
        "theme": row.theme,
        "grade_band": row.grade_band,
        "language": row.language,
        "track": row.track,
        "members": [_person(m.participant_id, known, me) for m in stored.members],
        "leaders": [_person(m.participant_id, known, me) for m in stored.leaders],
    }


async def mentoring_web(uow: UnitOfWork, view: ParticipantView, now: datetime) -> dict[str, Any]:
    """The participant's hub, leaders, co-members and schools, the facts of why they were placed, their
    one-to-one mentor (or mentees), the hubs they lead, and those hubs' coming meetings."""
    me = view.participant_id
    store = repositories(uow)
    memberships = await store.views.memberships(me, view.program_year)
    hub_ids = [m.hub_id for m in memberships]
    stored = (
        await store.hubs.load_hubs(board=view.board, program_year=view.program_year, hub_ids=hub_ids)
        if hub_ids
        else []
    )
    by_id = {h.id: h for h in stored}
    member_of = next((by_id[m.hub_id] for m in memberships if m.role == "member" and m.hub_id in by_id), None)
    led = [by_id[m.hub_id] for m in memberships if m.role == "leader" and m.hub_id in by_id]

    pairings = await store.views.pairings_with(me, view.program_year)
    mine = next((p for p in pairings if p.teacher_id == me), None)
    mentees = [p.teacher_id for p in pairings if p.mentor_id == me]

    wanted = {pid for h in stored for pid in (m.participant_id for m in (*h.members, *h.leaders))}
    wanted.update(mentees)
    if mine is not None:
        wanted.add(mine.mentor_id)
    known = await store.views.names_and_schools(wanted)

    people = None
    if member_of is not None or mine is not None:
        people = await store.people.load_people(view.board, view.program_year, None)
    my_reasons: list[dict[str, Any]] = []
    hub: dict[str, Any] | None = None
    if member_of is not None:
        hub = _hub(member_of, known, me)
        assert people is not None
        domain = member_of.domain()
        if domain.members and all(m in people.teachers for m in domain.members):
            hub_facts, per_member = explain_hub(domain, people.teachers, people.mentors)
            hub["reasons"] = _facts(hub_facts)
            my_reasons = _facts(per_member.get(str(me), []))
        else:
            hub["reasons"] = []
    mentor: dict[str, Any] | None = None
    if mine is not None:
        mentor = _person(mine.mentor_id, known, me)
        assert people is not None
        teacher, paired = people.teachers.get(str(me)), people.mentors.get(str(mine.mentor_id))
        mentor["reasons"] = _facts(pairing_facts(teacher, paired)) if teacher and paired else []

    meeting_hubs = [h.id for h in (*([member_of] if member_of else []), *led)]
    meetings: list[dict[str, Any]] = []
    if meeting_hubs:
        rows = await store.meetings.coming_meetings(meeting_hubs, now)
        meetings = [
            {
                "id": r.id,
                "hub_id": r.hub_id,
                "day": r.day,
                "starts_at": r.starts_at,
                "ends_at": r.ends_at,
                "location": r.location,
                "release_time": r.release_time,
                "i_lead": r.hub_id in {h.id for h in led},
            }
            for r in rows
        ]
    unplaced = await store.views.unplaced(view.program_year, me)
    return {
        "participant_id": me,
        "board": view.board,
        "program_year": view.program_year,
        "role": view.role,
        "language": view.language,
        "placement_status": view.placement_status,
        "hub": hub,
        "my_reasons": my_reasons,
        "unplaced": unplaced is not None,
        "one_to_one_mentor": mentor,
        "mentees": [_person(pid, known, me) for pid in mentees],
        "led_hubs": [_hub(h, known, me) for h in led],
        "meetings": meetings,
    }
