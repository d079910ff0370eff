"""Evaluation's HTTP API (/v1): recording meetings held, engagement and its "needs check-in" flags,
question sets and surveys, one's own response, aggregate results, the harvest and the reports.

Thin: parse, authorise, call the service layer. Nobody reaches anyone else's survey answers: the only
route to a response is the respondent's own (404 for everyone else).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from services.evaluation.adapters.clock import SYSTEM_CLOCK, Clock
from services.evaluation.adapters.pdf import render_pdf
from services.evaluation.config import Settings
from services.evaluation.domain.report import Report, as_data, to_csv
from services.evaluation.entrypoints.problems import EvaluationRoute
from services.evaluation.entrypoints.schemas import (
    BoardCode,
    BoardSetIn,
    Created,
    ItemIn,
    Lang,
    MeetingRecordIn,
    MeetingRecordOut,
    ProgramYear,
    ResponseIn,
    RoundIn,
    ThemeIn,
    engagement_data,
    harvest_data,
    results_data,
    survey_data,
)
from services.evaluation.service_layer import engagement, harvest, reports, surveys
from services.evaluation.service_layer.callers import Caller
from shared.auth import Principal, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["evaluation"], route_class=EvaluationRoute)

Anyone = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator", "participant"))]
Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
Admin = Annotated[Principal, Depends(require_roles("province_admin"))]
Participant = Annotated[Principal, Depends(require_roles("participant"))]
ResponseKey = Annotated[str | None, Header(alias="X-Response-Key", max_length=100)]
AsOf = Annotated[datetime | None, Query(description="Judge engagement at this instant (default: now)")]


def get_clock(request: Request) -> Clock:
    """The clock: ``app.state.clock`` when a test set one, else UTC now."""
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock or SYSTEM_CLOCK


Now = Annotated[Clock, Depends(get_clock)]


def caller_of(principal: Principal) -> Caller:
    staff = principal.has_any("province_admin", "board_coordinator")
    participant = principal.participant_id if principal.has_any("participant") else None
    boards = principal.visible_boards()
    if not staff and participant is not None and principal.board is None:
        # A participant's token need not name a board: what they reach is bounded by their own hubs
        # and invitations, which every use case checks.
        boards = None
    return Caller(boards=boards, participant_id=participant, staff=staff)


def _settings(request: Request) -> Settings:
    return runtime_of(request).settings_as(Settings)


def _as_of(value: datetime | None, clock: Clock) -> datetime:
    if value is None:
        return clock.now()
    if value.tzinfo is None:
        raise Problem(
            422,
            "Invalid input",
            "as_of: needs a time zone",
            errors=[{"field": "as_of", "message": "needs a time zone"}],
        )
    return value.astimezone(UTC)


def _participant(principal: Principal) -> uuid.UUID:
    """The caller as a participant; staff hold no responses, so for them there is nothing (404)."""
    if principal.participant_id is None or not principal.has_any("participant"):
        raise Problem(404, "Not found", "No such response for you.")
    return principal.participant_id


# ---------------------------------------------------------------- meetings held and engagement


@router.post(
    "/hub-meetings/{meeting_id}/record", status_code=status.HTTP_202_ACCEPTED, response_model=MeetingRecordOut
)
async def record_meeting(
    meeting_id: uuid.UUID, body: MeetingRecordIn, request: Request, principal: Anyone, clock: Now
) -> MeetingRecordOut:
    """A hub leader (or coordinator) records that the meeting took place and who came; its pulse
    survey follows from the event this publishes."""
    async with runtime_of(request).uow() as uow:
        held = await engagement.record_meeting_held(
            uow, caller_of(principal), meeting_id, present=body.present, absent=body.absent, now=clock.now()
        )
    return MeetingRecordOut(
        meeting_id=held.meeting_id,
        hub_id=held.hub_id,
        held_at=held.held_at,
        present=len(held.present),
        absent=len(held.absent),
    )


@router.get("/participants/{participant_id}/meetings-to-record")
async def meetings_to_record(
    participant_id: uuid.UUID, request: Request, principal: Participant, clock: Now
) -> list[dict[str, Any]]:
    """For a hub leader, their own hubs' meetings that have started (not cancelled), and whether each is
    recorded yet. Anyone else's id: 404."""
    if _participant(principal) != participant_id:
        raise Problem(404, "Not found", "No such participant for you.")
    async with runtime_of(request).uow() as uow:
        found = await engagement.meetings_to_record(uow, participant_id, now=clock.now())
    return [
        {
            "id": str(m.id),
            "hub_id": str(m.hub_id),
            "starts_at": m.starts_at.isoformat(),
            "ends_at": m.ends_at.isoformat(),
            "recorded": m.held,
        }
        for m in found
    ]


@router.get("/boards/{board}/engagement")
async def board_engagement(
    board: BoardCode,
    request: Request,
    principal: Staff,
    clock: Now,
    program_year: Annotated[ProgramYear, Query()],
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Meetings held against planned, attendance, observation visits, sessions, time since last contact
    and the "needs check-in" flags, per hub, pairing and board."""
    async with runtime_of(request).uow() as uow:
        result = await engagement.board(
            uow, caller_of(principal), board=board, program_year=program_year, as_of=_as_of(as_of, clock)
        )
    return engagement_data(result)


@router.get("/province/engagement")
async def province_engagement(
    request: Request,
    principal: Admin,
    clock: Now,
    program_year: Annotated[ProgramYear, Query()],
    as_of: AsOf = None,
) -> dict[str, Any]:
    async with runtime_of(request).uow() as uow:
        boards = await engagement.province(uow, program_year=program_year, as_of=_as_of(as_of, clock))
    return {"boards": [engagement_data(b) for b in boards]}


# ---------------------------------------------------------------- question sets and surveys


@router.get("/boards/{board}/question-sets")
async def list_question_sets(board: BoardCode, request: Request, principal: Staff) -> list[dict[str, Any]]:
    if not principal.can_access_board(board):
        raise Problem(404, "Not found", "No such board for you.")
    async with runtime_of(request).uow() as uow:
        found = await surveys.question_sets(uow, board)
    return [
        {
            "key": q.key,
            "board": q.board,
            "extends": q.extends,
            "title": dict(q.title),
            "questions": [x.as_data() for x in q.questions],
        }
        for q in found
    ]


@router.put("/boards/{board}/question-sets/{base}")
async def put_board_set(
    board: BoardCode, base: Literal["core", "pulse"], body: BoardSetIn, request: Request, principal: Staff
) -> dict[str, Any]:
    """The board's extension of the province's core or pulse set: its questions after the province's."""
    if not principal.can_access_board(board):
        raise Problem(404, "Not found", "No such board for you.")
    async with runtime_of(request).uow() as uow:
        qs = await surveys.put_board_set(
            uow,
            board=board,
            base=base,
            raw_questions=body.questions,
            title={str(k): v for k, v in body.title.items()},
        )
    return {
        "key": qs.key,
        "extends": qs.extends,
        "title": dict(qs.title),
        "questions": [q.as_data() for q in qs.questions],
    }


@router.post("/boards/{board}/surveys", status_code=status.HTTP_201_CREATED)
async def open_round(
    board: BoardCode, body: RoundIn, request: Request, principal: Staff, clock: Now
) -> dict[str, Any]:
    """Open the board's baseline, mid-year or end-of-year survey for every hub member of the year."""
    if not principal.can_access_board(board):
        raise Problem(404, "Not found", "No such board for you.")
    async with runtime_of(request).uow() as uow:
        stored = await surveys.open_round(
            uow,
            board=board,
            program_year=body.program_year,
            kind=body.kind,
            mode=body.mode,
            now=clock.now(),
            closes_at=body.closes_at,
        )
    return survey_data(stored)


@router.get("/boards/{board}/surveys")
async def list_surveys(
    board: BoardCode,
    request: Request,
    principal: Staff,
    program_year: Annotated[ProgramYear | None, Query()] = None,
) -> list[dict[str, Any]]:
    async with runtime_of(request).uow() as uow:
        found = await surveys.surveys_for_board(
            uow, caller_of(principal), board=board, program_year=program_year
        )
    return [survey_data(s) for s in found]


@router.get("/me/surveys")
async def my_surveys(request: Request, principal: Participant, clock: Now) -> list[dict[str, Any]]:
    """The surveys I am invited to: open or not, and whether I answered."""
    async with runtime_of(request).uow() as uow:
        found = await surveys.my_surveys(uow, _participant(principal))
    now = clock.now()
    return [
        {**survey_data(s.stored), "open": s.stored.survey.is_open(now), "responded": s.responded}
        for s in found
    ]


@router.get("/surveys/{survey_id}")
async def read_survey(survey_id: uuid.UUID, request: Request, principal: Anyone) -> dict[str, Any]:
    async with runtime_of(request).uow() as uow:
        return survey_data(await surveys.survey_for(uow, caller_of(principal), survey_id))


@router.put("/surveys/{survey_id}/response")
async def respond(
    survey_id: uuid.UUID,
    body: ResponseIn,
    request: Request,
    response: Response,
    principal: Participant,
    clock: Now,
    key: ResponseKey = None,
) -> dict[str, Any]:
    """My answers. The first time gives a ``response_key``, once: send it as ``X-Response-Key`` to
    read or change the answers until the survey closes (nothing else leads back to them)."""
    async with runtime_of(request).uow() as uow:
        answer = await surveys.respond(
            uow,
            survey_id=survey_id,
            participant_id=_participant(principal),
            answers=body.answers,
            response_key=key,
            now=clock.now(),
        )
    response.status_code = status.HTTP_201_CREATED if answer.created else status.HTTP_200_OK
    return {"answers": answer.answers, "response_key": answer.response_key}


@router.get("/surveys/{survey_id}/response")
async def my_response(
    survey_id: uuid.UUID, request: Request, principal: Anyone, key: ResponseKey = None
) -> dict[str, Any]:
    """My own answers; nobody else's, whatever their role (404)."""
    async with runtime_of(request).uow() as uow:
        answers = await surveys.my_response(
            uow,
            survey_id=survey_id,
            participant_id=_participant(principal),
            response_key=key,
        )
    return {"answers": answers}


@router.get("/boards/{board}/survey-results")
async def survey_results(
    board: BoardCode,
    request: Request,
    principal: Staff,
    program_year: Annotated[ProgramYear, Query()],
    kind: Annotated[Literal["pulse", "baseline", "mid_year", "end_of_year"], Query()],
    hub: Annotated[uuid.UUID | None, Query()] = None,
    role: Annotated[Literal["beginning_teacher", "new_school_leader", "mentor"] | None, Query()] = None,
) -> dict[str, Any]:
    """Aggregates only: groups under the minimum size, and differences of filters that would single
    someone out, are suppressed."""
    filters = {k: str(v) for k, v in (("hub", hub), ("role", role)) if v is not None}
    min_group = _settings(request).min_group_size
    async with runtime_of(request).uow() as uow:
        pooled = await surveys.results(
            uow,
            caller_of(principal),
            board=board,
            program_year=program_year,
            kind=kind,
            filters=filters,
            min_group=min_group,
        )
    return results_data(pooled, filters, min_group)


# ---------------------------------------------------------------- harvest


@router.post("/hubs/{hub_id}/harvest/items", status_code=status.HTTP_201_CREATED, response_model=Created)
async def add_item(
    hub_id: uuid.UUID, body: ItemIn, request: Request, principal: Anyone, clock: Now
) -> Created:
    """A story (discover), a wish (dream) or a proposition with its owner and date (destiny)."""
    async with runtime_of(request).uow() as uow:
        item_id = await harvest.add_item(
            uow,
            caller_of(principal),
            hub_id,
            phase=body.phase,
            text=body.text,
            owner=body.owner,
            due_on=body.due_on,
            now=clock.now(),
        )
    return Created(id=item_id)


@router.post("/hubs/{hub_id}/harvest/themes", status_code=status.HTTP_201_CREATED, response_model=Created)
async def add_theme(hub_id: uuid.UUID, body: ThemeIn, request: Request, principal: Anyone) -> Created:
    async with runtime_of(request).uow() as uow:
        return Created(
            id=await harvest.add_theme(uow, caller_of(principal), hub_id, title=body.title, items=body.items)
        )


@router.post("/harvest/themes/{theme_id}/votes", status_code=status.HTTP_204_NO_CONTENT)
async def vote(theme_id: uuid.UUID, request: Request, principal: Participant) -> Response:
    async with runtime_of(request).uow() as uow:
        await harvest.vote(uow, caller_of(principal), theme_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/hubs/{hub_id}/harvest")
async def hub_harvest(hub_id: uuid.UUID, request: Request, principal: Anyone) -> dict[str, Any]:
    async with runtime_of(request).uow() as uow:
        return harvest_data(await harvest.hub_harvest(uow, caller_of(principal), hub_id))


@router.get("/boards/{board}/harvest")
async def board_harvest(
    board: BoardCode, request: Request, principal: Staff, program_year: Annotated[ProgramYear, Query()]
) -> dict[str, Any]:
    async with runtime_of(request).uow() as uow:
        return harvest_data(
            await harvest.board_harvest(uow, caller_of(principal), board=board, program_year=program_year)
        )


@router.post("/boards/{board}/harvest/publication", status_code=status.HTTP_201_CREATED)
async def publish_harvest(
    board: BoardCode,
    request: Request,
    principal: Staff,
    clock: Now,
    program_year: Annotated[ProgramYear, Query()],
) -> dict[str, Any]:
    """Publish the board's harvest of the year, once (409 again, or with no theme yet): the year's hub
    members and leaders are told, in their language, through notifications (HarvestPublished)."""
    async with runtime_of(request).uow() as uow:
        published = await harvest.publish(
            uow, caller_of(principal), board=board, program_year=program_year, now=clock.now()
        )
    return {
        "board": published.board,
        "program_year": published.program_year,
        "themes": published.themes,
        "propositions": published.propositions,
        "told": len(published.invitees),
    }


@router.get("/boards/{board}/harvest/publication")
async def harvest_publication(
    board: BoardCode, request: Request, principal: Staff, program_year: Annotated[ProgramYear, Query()]
) -> dict[str, Any]:
    """When the board's harvest of the year was published (``published_at`` null: not yet)."""
    async with runtime_of(request).uow() as uow:
        at = await harvest.published_at(uow, caller_of(principal), board=board, program_year=program_year)
    return {"board": board, "program_year": program_year, "published_at": at}


@router.get("/province/harvest")
async def province_harvest(
    request: Request, principal: Admin, program_year: Annotated[ProgramYear, Query()]
) -> dict[str, Any]:
    async with runtime_of(request).uow() as uow:
        return harvest_data(await harvest.province_harvest(uow, program_year=program_year))


# ---------------------------------------------------------------- reports


def _report_response(report: Report, fmt: str, lang: str) -> Response:
    name = f"evaluation-{report.board or 'province'}-{report.program_year}-{lang}"
    if fmt == "csv":
        return Response(
            to_csv(report, lang).encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "pdf":
        return Response(
            render_pdf(report, lang),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return JSONResponse(jsonable_encoder(as_data(report)))


Format = Annotated[Literal["json", "csv", "pdf"], Query(alias="format")]
LangQ = Annotated[Lang, Query()]


@router.get("/boards/{board}/report")
async def board_report(
    board: BoardCode,
    request: Request,
    principal: Staff,
    clock: Now,
    program_year: Annotated[ProgramYear, Query()],
    fmt: Format = "json",
    lang: LangQ = "en",
) -> Response:
    """The board's evaluation report (JSON, CSV or PDF, in English or French); suppression applies."""
    async with runtime_of(request).uow() as uow:
        report = await reports.board_report(
            uow,
            caller_of(principal),
            board=board,
            program_year=program_year,
            now=clock.now(),
            min_group=_settings(request).min_group_size,
        )
    return _report_response(report, fmt, lang)


@router.get("/province/report")
async def province_report(
    request: Request,
    principal: Admin,
    clock: Now,
    program_year: Annotated[ProgramYear, Query()],
    fmt: Format = "json",
    lang: LangQ = "en",
) -> Response:
    async with runtime_of(request).uow() as uow:
        report = await reports.province_report(
            uow, program_year=program_year, now=clock.now(), min_group=_settings(request).min_group_size
        )
    return _report_response(report, fmt, lang)
