"""Request and response bodies of the evaluation API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.evaluation.adapters.repository import StoredSurvey
from services.evaluation.domain.engagement import BoardEngagement, Flag
from services.evaluation.domain.harvest import Harvest, Item
from services.evaluation.domain.privacy import Results
from services.evaluation.service_layer.surveys import PooledResults

ProgramYear = Annotated[str, Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]
BoardCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["EDSB"])]
Lang = Literal["en", "fr"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingRecordIn(Strict):
    present: list[uuid.UUID] = Field(max_length=100)
    absent: list[uuid.UUID] = Field(default=[], max_length=100)


class MeetingRecordOut(BaseModel):
    meeting_id: uuid.UUID
    hub_id: uuid.UUID
    held_at: datetime
    present: int
    absent: int


class FlagOut(BaseModel):
    code: str
    hub_id: uuid.UUID | None
    participant_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    since: datetime | None

    @classmethod
    def of(cls, f: Flag) -> FlagOut:
        return cls(
            code=f.code,
            hub_id=f.hub_id,
            participant_id=f.participant_id,
            mentor_id=f.mentor_id,
            since=f.since,
        )


def engagement_data(e: BoardEngagement) -> dict[str, Any]:
    return {
        "board": e.board,
        "as_of": e.as_of,
        "meetings_planned": e.planned,
        "meetings_held": e.held,
        "attendance_rate": e.attendance_rate,
        "observation_visits": e.observation_visits,
        "sessions_attended": e.sessions_attended,
        "enrolments": e.enrolments,
        "hubs": [
            {
                "hub_id": h.hub_id,
                "meetings_planned": h.planned,
                "meetings_held": h.held,
                "meetings_cancelled": h.cancelled,
                "present": h.present,
                "absent": h.absent,
                "attendance_rate": h.attendance_rate,
                "last_contact": h.last_contact,
                "days_since_contact": h.days_since_contact,
            }
            for h in e.hubs
        ],
        "pairings": [
            {
                "teacher_id": p.teacher_id,
                "mentor_id": p.mentor_id,
                "observation_visits": p.visits,
                "last_contact": p.last_contact,
                "days_since_contact": p.days_since_contact,
            }
            for p in e.pairings
        ],
        "needs_check_in": [FlagOut.of(f).model_dump() for f in e.flags],
    }


class BoardSetIn(Strict):
    title: dict[Lang, str] = {}
    questions: list[dict[str, Any]] = Field(min_length=1, max_length=40)


class RoundIn(Strict):
    program_year: ProgramYear
    kind: Literal["baseline", "mid_year", "end_of_year"]
    mode: Literal["anonymous", "confidential"] = "anonymous"
    closes_at: AwareDatetime | None = None


def survey_data(s: StoredSurvey) -> dict[str, Any]:
    v = s.survey
    return {
        "id": v.id,
        "board": v.board,
        "program_year": v.program_year,
        "kind": v.kind,
        "mode": v.mode,
        "hub_id": v.hub_id,
        "meeting_id": v.meeting_id,
        "title": s.title,
        "opens_at": v.opens_at,
        "closes_at": v.closes_at,
        "invited": len(v.invitees),
        "questions": [q.as_data() for q in s.questions],
    }


class ResponseIn(Strict):
    answers: dict[str, Any] = Field(max_length=60)


def results_data(pooled: PooledResults, filters: dict[str, str], min_group: int) -> dict[str, Any]:
    r: Results = pooled.results
    return {
        "kind": pooled.kind,
        "surveys": pooled.surveys,
        "filters": filters,
        "min_group": min_group,
        "respondents": r.respondents,
        "suppressed": r.suppressed,
        "reason": r.reason,
        "questions": [
            {
                "key": q.key,
                "kind": q.kind,
                "respondents": q.respondents,
                "mean": q.mean,
                "counts": dict(q.counts) if q.counts is not None else None,
                "nps": q.nps,
                "suppressed": q.suppressed,
            }
            for q in r.questions
        ],
    }


class ItemIn(Strict):
    phase: Literal["discover", "dream", "destiny"]
    text: str = Field(max_length=1000)
    owner: str | None = Field(default=None, max_length=200)
    due_on: date | None = None


class ThemeIn(Strict):
    title: str = Field(max_length=200)
    items: list[uuid.UUID] = Field(default=[], max_length=200)


class Created(BaseModel):
    id: uuid.UUID


def _item(i: Item) -> dict[str, Any]:
    return {"id": i.id, "hub_id": i.hub_id, "text": i.text, "owner": i.owner, "due_on": i.due_on}


def harvest_data(h: Harvest, *, parts: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "stories": [_item(i) for i in h.stories],
        "wishes": [_item(i) for i in h.wishes],
        "themes": [
            {
                "id": t.id,
                "hub_id": t.hub_id,
                "board": t.board,
                "title": t.title,
                "votes": t.votes,
                "items": t.items,
            }
            for t in h.themes
        ],
        "propositions": [_item(i) for i in h.propositions],
    }
    if parts and h.parts:
        data["parts"] = {k: harvest_data(v, parts=False) for k, v in h.parts.items()}
    return data
