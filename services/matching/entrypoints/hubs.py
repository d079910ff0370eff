"""Matching's HTTP API (/v1): runs, hubs, placements, the unplaced list, overrides, board policy.

Thin: authorise (board coordinators see and change their own board only; other boards' objects
answer 404), call the service layer, map its errors to problem+json.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import BoardPolicy, MatchingRun, Override
from services.matching.domain.objective import Weights
from services.matching.entrypoints.problems import MatchingRoute
from services.matching.entrypoints.schemas.common import YEAR_PATTERN, BoardPath, RunPublic, YearPath
from services.matching.entrypoints.schemas.hubs import (
    BoardSummary,
    CoachRequest,
    HubPage,
    HubPublic,
    LeaderSwapRequest,
    LockRequest,
    MoveRequest,
    OverrideOutcome,
    OverridePublic,
    PlacementPublic,
    PolicyPublic,
    PolicyUpdate,
    UnplacedPublic,
)
from services.matching.service_layer import coaches, overrides, policies, queries, runs
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem, field_problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["matching"], route_class=MatchingRoute)
Coordinator = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
AnyUser = Annotated[Principal, Depends(current_principal)]


# ---------------------------------------------------------------- runs


@router.post(
    "/boards/{board}/program-years/{program_year}/matching-runs",
    status_code=status.HTTP_201_CREATED,
    response_model=RunPublic,
    summary="Form the board's hubs for a program year (synchronous; 409 while another run holds the board)",
)
async def start_run(
    board: BoardPath, program_year: YearPath, request: Request, response: Response, principal: Coordinator
) -> MatchingRun:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        run = await runs.start_run(
            uow, board=board, program_year=program_year, requested_by=principal.subject
        )
    response.headers["Location"] = f"/v1/boards/{board}/program-years/{program_year}/matching-runs/{run.id}"
    return run


@router.get("/boards/{board}/program-years/{program_year}/matching-runs", response_model=list[RunPublic])
async def list_runs(
    board: BoardPath, program_year: YearPath, request: Request, principal: Coordinator
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await queries.list_runs(uow, board, program_year)


@router.get("/boards/{board}/program-years/{program_year}/matching-runs/{run_id}", response_model=RunPublic)
async def read_run(
    board: BoardPath, program_year: YearPath, run_id: uuid.UUID, request: Request, principal: Coordinator
) -> MatchingRun:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await queries.get_run(uow, board, program_year, run_id)


@router.get(
    "/boards/{board}/program-years/{program_year}/unplaced",
    response_model=list[UnplacedPublic],
    summary="Teachers no hub could take, with the reason (X-Total-Count: how many match)",
)
async def list_unplaced(
    board: BoardPath,
    program_year: YearPath,
    request: Request,
    response: Response,
    principal: Coordinator,
    q: Annotated[str | None, Query(max_length=100, description="name or HR id")] = None,
    sort: Annotated[str, Query(pattern=r"^-?(recorded_at|display_name)$")] = "recorded_at",
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        rows = await queries.list_unplaced(uow, board, program_year, q=q, sort=sort)
    response.headers["X-Total-Count"] = str(len(rows))
    return rows[offset : offset + limit]


@router.get(
    "/boards/{board}/program-years/{program_year}/hubs.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Every hub's members and leaders, one row per seat with the HR id (streamed CSV)",
)
async def export_hubs(
    board: BoardPath, program_year: YearPath, request: Request, principal: Coordinator
) -> StreamingResponse:
    ensure_board(principal, board)
    # Made (scoped to the caller's boards) now, entered while the response streams.
    unit = runtime_of(request).uow()

    async def body() -> AsyncIterator[str]:
        async with unit as uow:
            async for text in queries.hub_seats_csv(uow, board, program_year):
                yield text

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hubs-{board}-{program_year}.csv"'},
    )


@router.get(
    "/boards/{board}/program-years/{program_year}/summary",
    response_model=BoardSummary,
    summary="What is published: hubs, placed, unplaced and pairings, in all and for beginning teachers "
    "and new school leaders apart",
)
async def read_summary(
    board: BoardPath, program_year: YearPath, request: Request, principal: Coordinator
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await queries.summary(uow, board, program_year)


@router.get(
    "/boards/{board}/program-years/{program_year}/overrides",
    response_model=list[OverridePublic],
    summary="The audit of coordinators' overrides",
)
async def list_overrides(
    board: BoardPath, program_year: YearPath, request: Request, principal: Coordinator
) -> Any:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await queries.list_overrides(uow, board, program_year)


# ---------------------------------------------------------------- board policy


def _policy_public(board: str, row: BoardPolicy | None) -> PolicyPublic:
    if row is None:
        return PolicyPublic(board=board)
    return PolicyPublic.model_validate(row)


@router.get("/boards/{board}/matching-policy", response_model=PolicyPublic)
async def read_policy(board: BoardPath, request: Request, principal: Coordinator) -> PolicyPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return _policy_public(board, await policies.get_policy(uow, board))


@router.put("/boards/{board}/matching-policy", response_model=PolicyPublic)
async def update_policy(
    board: BoardPath, body: PolicyUpdate, request: Request, principal: Coordinator
) -> PolicyPublic:
    ensure_board(principal, board)
    if body.min_hub_size > body.max_hub_size:
        raise field_problem("max_hub_size", "must be at least min_hub_size")
    unknown = sorted(set(body.weights) - set(Weights.__dataclass_fields__))
    if unknown:
        raise field_problem(
            f"weights.{unknown[0]}", f"unknown weight; known: {', '.join(Weights.__dataclass_fields__)}"
        )
    if body.weights.get("preferred_size", 1) < 1:
        raise field_problem("weights.preferred_size", "must be at least 1")
    async with runtime_of(request).uow(board=board) as uow:
        row = await policies.update_policy(
            uow, board, body.model_dump(), actor=principal.subject, now=datetime.now(UTC)
        )
        return _policy_public(board, row)


# ---------------------------------------------------------------- hubs


@router.get("/hubs", response_model=HubPage, summary="Hubs with their members, leaders and explanations")
async def list_hubs(
    request: Request,
    principal: Coordinator,
    board: Annotated[str | None, Query(max_length=40)] = None,
    program_year: Annotated[str | None, Query(pattern=YEAR_PATTERN)] = None,
    theme: Annotated[str | None, Query(max_length=60)] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="a member's or leader's name or HR id")
    ] = None,
    school: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HubPage:
    if board is not None:
        ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        total, items = await queries.list_hubs(
            uow,
            boards=principal.visible_boards(),
            board=board,
            program_year=program_year,
            theme=theme,
            limit=limit,
            offset=offset,
            q=q,
            school=school,
        )
    return HubPage(items=[HubPublic(**i) for i in items], total=total, limit=limit, offset=offset)


@router.get("/hubs/{hub_id}", response_model=HubPublic)
async def read_hub(hub_id: uuid.UUID, request: Request, principal: Coordinator) -> Any:
    async with runtime_of(request).uow() as uow:
        where = await queries.hub_board(uow, hub_id)
        if where is None or not principal.can_access_board(where[0]):
            raise Problem(404, "Not found", "No such hub in your board.")
        return await queries.read_hub(uow, where[0], where[1], hub_id)


async def _outcome(uow: UnitOfWork, override: Override | None, hubs: list[StoredHub]) -> OverrideOutcome:
    views = await queries.hub_views(uow, hubs)
    return OverrideOutcome(
        override=OverridePublic.model_validate(override) if override is not None else None,
        hubs=[HubPublic(**v) for v in views],
    )


@router.post("/hubs/{hub_id}/moves", response_model=OverrideOutcome, summary="Move a member to another hub")
async def move_member(
    hub_id: uuid.UUID, body: MoveRequest, request: Request, principal: Coordinator
) -> OverrideOutcome:
    async with runtime_of(request).uow() as uow:
        override, hubs = await overrides.move_member(
            uow,
            principal,
            hub_id=hub_id,
            participant_id=body.participant_id,
            to_hub_id=body.to_hub_id,
            note=body.note,
            force=body.force,
        )
        return await _outcome(uow, override, hubs)


@router.post(
    "/hubs/{hub_id}/leader-swaps",
    response_model=OverrideOutcome,
    summary="Replace a leader (or fill an empty seat)",
)
async def swap_leader(
    hub_id: uuid.UUID, body: LeaderSwapRequest, request: Request, principal: Coordinator
) -> OverrideOutcome:
    async with runtime_of(request).uow() as uow:
        override, hubs = await overrides.swap_leader(
            uow,
            principal,
            hub_id=hub_id,
            leader_id=body.leader_id,
            new_leader_id=body.new_leader_id,
            note=body.note,
            force=body.force,
        )
        return await _outcome(uow, override, hubs)


async def _set_locked(
    hub_id: uuid.UUID, body: LockRequest, request: Request, principal: Principal, locked: bool
) -> OverrideOutcome:
    async with runtime_of(request).uow() as uow:
        override, hubs = await overrides.set_locked(
            uow, principal, hub_id=hub_id, locked=locked, note=body.note
        )
        return await _outcome(uow, override, hubs)


@router.post(
    "/hubs/{hub_id}/lock", response_model=OverrideOutcome, summary="Keep a hub as it is through reruns"
)
async def lock_hub(
    hub_id: uuid.UUID, body: LockRequest, request: Request, principal: Coordinator
) -> OverrideOutcome:
    return await _set_locked(hub_id, body, request, principal, True)


@router.post(
    "/hubs/{hub_id}/unlock", response_model=OverrideOutcome, summary="Let the next run re-form a hub"
)
async def unlock_hub(
    hub_id: uuid.UUID, body: LockRequest, request: Request, principal: Coordinator
) -> OverrideOutcome:
    return await _set_locked(hub_id, body, request, principal, False)


# ---------------------------------------------------------------- board coaches and consultants


@router.post(
    "/hubs/{hub_id}/coaches",
    response_model=HubPublic,
    summary="Assign a board coach or consultant to support a hub (invited to its meetings, no leader's seat)",
)
async def assign_coach(
    hub_id: uuid.UUID, body: CoachRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    async with runtime_of(request).uow() as uow:
        added, hub = await coaches.assign_coach(
            uow,
            principal,
            hub_id=hub_id,
            participant_id=body.participant_id,
            note=body.note,
            today=datetime.now(UTC).date(),
        )
        view = (await queries.hub_views(uow, [hub]))[0]
    response.status_code = status.HTTP_201_CREATED if added else status.HTTP_200_OK
    return view


@router.delete(
    "/hubs/{hub_id}/coaches/{participant_id}",
    response_model=HubPublic,
    summary="End a coach's support of a hub (their copies of its meetings are cancelled)",
)
async def release_coach(
    hub_id: uuid.UUID, participant_id: uuid.UUID, request: Request, principal: Coordinator
) -> Any:
    async with runtime_of(request).uow() as uow:
        hub = await coaches.release_coach(
            uow,
            principal,
            hub_id=hub_id,
            participant_id=participant_id,
            note=None,
            today=datetime.now(UTC).date(),
        )
        view = (await queries.hub_views(uow, [hub]))[0]
    return view


# ---------------------------------------------------------------- participants


@router.get(
    "/participants/{participant_id}/placement",
    response_model=PlacementPublic,
    summary="A participant's hub, co-members, leaders, explanation and one-to-one mentor",
)
async def placement(participant_id: uuid.UUID, request: Request, principal: AnyUser) -> Any:
    async with runtime_of(request).uow() as uow:
        view = await queries.participant(uow, participant_id)
        if view is None:
            raise Problem(404, "Not found", "Matching does not know this participant (yet).")
        if principal.participant_id != participant_id:
            if not principal.has_any("province_admin", "board_coordinator"):
                raise Problem(404, "Not found", "Matching does not know this participant (yet).")
            ensure_board(principal, view.board)
        return await queries.placement(uow, view)
