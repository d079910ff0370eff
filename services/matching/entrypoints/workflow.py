"""The coordinator's workflow over HTTP (/v1): a run's draft (review, publish, discard), one-to-one
pairing by hand, standing decisions, and the lists a coordinator works from (pairings,
observation visits) with names and schools.

Thin: authorise (a board's coordinators only), call the service layer, map its errors to
problem+json in one place.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from services.matching.adapters.tables import MatchingRun
from services.matching.entrypoints.problems import WorkflowRoute
from services.matching.entrypoints.schemas.common import BoardPath, RunPublic, YearPath
from services.matching.entrypoints.schemas.workflow import (
    DecisionPublic,
    DraftAdjustment,
    DraftHub,
    DraftLeaderIn,
    DraftMoveIn,
    DraftPairing,
    DraftPerson,
    DraftPublic,
    DraftUnplaced,
    PairingIn,
    PairingPage,
    PairingPublic,
    VisitPage,
    VisitPublic,
)
from services.matching.service_layer import drafts, pairings, queries, runs
from shared.auth import Principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["matching workflow"], route_class=WorkflowRoute)
Coordinator = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


# ---------------------------------------------------------------- drafts

RUNS = "/boards/{board}/program-years/{program_year}/matching-runs/{run_id}"


@router.get(RUNS + "/draft", response_model=DraftPublic, summary="What publishing this run would show")
async def read_draft(
    board: BoardPath, program_year: YearPath, run_id: uuid.UUID, request: Request, principal: Coordinator
) -> DraftPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        run = await queries.get_draft(uow, board, program_year, run_id)
        return await _draft_public(uow, run)


async def _draft_public(uow: UnitOfWork, run: MatchingRun) -> DraftPublic:
    """The draft with names and schools (read in the caller's transaction)."""
    draft: dict[str, Any] = run.draft or {}
    ids = {
        *(p for h in draft["hubs"] for p in (*h["members"], *h["leaders"])),
        *(p for x in draft["pairings"] for p in (x["teacher_id"], x["mentor_id"])),
        *(u["participant_id"] for u in draft["unplaced"]),
    }
    known = await queries.cards(uow, [uuid.UUID(i) for i in ids])

    def person(pid: str, explanation: str = "") -> DraftPerson:
        card = known.get(pid)
        return DraftPerson(
            participant_id=uuid.UUID(pid),
            display_name=card.display_name if card else None,
            school=card.school if card else None,
            hr_id=card.hr_id if card else None,
            explanation=explanation,
        )

    return DraftPublic(
        run=RunPublic.model_validate(run),
        hubs=[
            DraftHub(
                **{k: h[k] for k in ("id", "status", "theme", "grade_band", "language", "track", "locked")},
                explanation=h["explanation"],
                flags=h["flags"],
                members=[person(p, h["explanations"].get(p, "")) for p in h["members"]],
                leaders=[person(p, h["explanations"].get(p, "")) for p in h["leaders"]],
            )
            for h in draft["hubs"]
        ],
        pairings=[
            DraftPairing(teacher=person(x["teacher_id"]), mentor=person(x["mentor_id"], x["explanation"]))
            for x in draft["pairings"]
        ],
        unplaced=[
            DraftUnplaced(participant=person(u["participant_id"]), reason=u["reason"])
            for u in draft["unplaced"]
        ],
        difference=draft["difference"],
        decisions_not_applied=draft["decisions_not_applied"],
        adjustments=[DraftAdjustment(**x) for x in draft.get("adjustments", [])],
    )


async def _adjust(
    board: str, program_year: str, run_id: uuid.UUID, request: Request, principal: Principal, adjustment: Any
) -> DraftPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        run = await drafts.adjust_draft(
            uow, principal, board=board, program_year=program_year, run_id=run_id, adjustment=adjustment
        )
        return await _draft_public(uow, run)


@router.post(RUNS + "/draft/moves", response_model=DraftPublic, summary="Move a member within the draft")
async def draft_move(
    board: BoardPath,
    program_year: YearPath,
    run_id: uuid.UUID,
    body: DraftMoveIn,
    request: Request,
    principal: Coordinator,
) -> DraftPublic:
    """Move a teacher of the draft (placed or unplaced) to another drafted hub. The draft is
    recomputed; the move becomes a standing decision when the draft is published."""
    return await _adjust(
        board,
        program_year,
        run_id,
        request,
        principal,
        drafts.Adjustment(
            "move", str(body.participant_id), hub_id=str(body.to_hub_id), note=body.note, force=body.force
        ),
    )


@router.post(RUNS + "/draft/leaders", response_model=DraftPublic, summary="Choose a drafted hub's leader")
async def draft_leader(
    board: BoardPath,
    program_year: YearPath,
    run_id: uuid.UUID,
    body: DraftLeaderIn,
    request: Request,
    principal: Coordinator,
) -> DraftPublic:
    return await _adjust(
        board,
        program_year,
        run_id,
        request,
        principal,
        drafts.Adjustment(
            "leader",
            str(body.new_leader_id),
            hub_id=str(body.hub_id),
            leader_id=str(body.leader_id) if body.leader_id else None,
            note=body.note,
            force=body.force,
        ),
    )


@router.post(RUNS + "/draft/pairings", response_model=DraftPublic, summary="Pair a teacher within the draft")
async def draft_pair(
    board: BoardPath,
    program_year: YearPath,
    run_id: uuid.UUID,
    body: PairingIn,
    request: Request,
    principal: Coordinator,
) -> DraftPublic:
    return await _adjust(
        board,
        program_year,
        run_id,
        request,
        principal,
        drafts.Adjustment("pair", str(body.teacher_id), mentor_id=str(body.mentor_id), note=body.note),
    )


@router.delete(
    RUNS + "/draft/pairings/{teacher_id}", response_model=DraftPublic, summary="Unpair in the draft"
)
async def draft_unpair(
    board: BoardPath,
    program_year: YearPath,
    run_id: uuid.UUID,
    teacher_id: uuid.UUID,
    request: Request,
    principal: Coordinator,
    note: Annotated[str | None, Query(max_length=1000)] = None,
) -> DraftPublic:
    return await _adjust(
        board,
        program_year,
        run_id,
        request,
        principal,
        drafts.Adjustment("unpair", str(teacher_id), note=note),
    )


@router.post(RUNS + "/publish", response_model=RunPublic, summary="Publish a draft: participants are told")
async def publish(
    board: BoardPath, program_year: YearPath, run_id: uuid.UUID, request: Request, principal: Coordinator
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        run = await runs.publish_run(
            uow, board=board, program_year=program_year, run_id=run_id, published_by=principal.subject
        )
        return RunPublic.model_validate(run)


@router.post(RUNS + "/discard", response_model=RunPublic, summary="Drop a draft: nothing changes")
async def discard(
    board: BoardPath, program_year: YearPath, run_id: uuid.UUID, request: Request, principal: Coordinator
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        run = await runs.discard_run(uow, board=board, program_year=program_year, run_id=run_id)
        return RunPublic.model_validate(run)


# ---------------------------------------------------------------- pairing by hand

YEAR = "/boards/{board}/program-years/{program_year}"


@router.post(YEAR + "/pairings", response_model=PairingPublic, status_code=status.HTTP_201_CREATED)
async def pair(
    board: BoardPath, program_year: YearPath, body: PairingIn, request: Request, principal: Coordinator
) -> PairingPublic:
    """Pair (or re-pair) a beginning teacher with a mentor by hand; later runs keep it."""
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        row = await pairings.pair(
            uow,
            principal,
            board=board,
            program_year=program_year,
            teacher_id=body.teacher_id,
            mentor_id=body.mentor_id,
            note=body.note,
        )
        return PairingPublic(
            teacher_id=row.teacher_id, mentor_id=row.mentor_id, explanation=row.explanation, manual=True
        )


@router.delete(YEAR + "/pairings/{teacher_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unpair(
    board: BoardPath,
    program_year: YearPath,
    teacher_id: uuid.UUID,
    request: Request,
    principal: Coordinator,
    note: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        await pairings.unpair(
            uow, principal, board=board, program_year=program_year, teacher_id=teacher_id, note=note
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(YEAR + "/pairings", response_model=PairingPage, summary="One-to-one pairings with names")
async def list_pairings(
    board: BoardPath,
    program_year: YearPath,
    request: Request,
    principal: Coordinator,
    q: Annotated[str | None, Query(max_length=100, description="name or HR id")] = None,
    mentor_id: uuid.UUID | None = None,
    school: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(pattern=r"^-?(teacher_name|mentor_name|school|created_at)$")] = "teacher_name",
    limit: Limit = 50,
    offset: Offset = 0,
) -> PairingPage:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        total, items = await queries.list_pairings(
            uow,
            board=board,
            program_year=program_year,
            q=q,
            mentor_id=mentor_id,
            school=school,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    return PairingPage(items=[PairingPublic(**i) for i in items], total=total, limit=limit, offset=offset)


# ---------------------------------------------------------------- standing decisions


@router.get(YEAR + "/standing-decisions", response_model=list[DecisionPublic])
async def list_decisions(
    board: BoardPath, program_year: YearPath, request: Request, principal: Coordinator
) -> Any:
    """Moves, leader choices and pairings every later run keeps (with the coordinator's notes)."""
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await queries.list_decisions(uow, board, program_year)


@router.delete(YEAR + "/standing-decisions/{decision_id}", status_code=status.HTTP_204_NO_CONTENT)
async def release_decision(
    board: BoardPath, program_year: YearPath, decision_id: int, request: Request, principal: Coordinator
) -> Response:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        await pairings.release_decision(uow, board=board, decision_id=decision_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- observation visits


@router.get(YEAR + "/observation-visits", response_model=VisitPage, summary="Observation visits with names")
async def list_visits(
    board: BoardPath,
    program_year: YearPath,
    request: Request,
    principal: Coordinator,
    participant_id: uuid.UUID | None = None,
    status_filter: Annotated[str | None, Query(alias="status", pattern=r"^(scheduled|cancelled)$")] = None,
    sort: Annotated[str, Query(pattern=r"^-?(day|visitor_name|host_name)$")] = "day",
    limit: Limit = 50,
    offset: Offset = 0,
) -> VisitPage:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        total, items = await queries.list_observations(
            uow,
            board=board,
            program_year=program_year,
            participant_id=participant_id,
            status=status_filter,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    return VisitPage(items=[VisitPublic(**i) for i in items], total=total, limit=limit, offset=offset)
