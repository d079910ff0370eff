"""The board's and the province's evaluation report: engagement, survey rounds (aggregates only,
suppressed below the minimum group) and the harvest."""

from __future__ import annotations

from datetime import datetime

from services.evaluation.adapters.repository import EvaluationRepository
from services.evaluation.domain.privacy import Answered
from services.evaluation.domain.questions import THEME_ATTAINMENT_ROUNDS, GoalTheme
from services.evaluation.domain.report import Report, Round, build
from services.evaluation.domain.surveys import ROUND_KINDS
from services.evaluation.service_layer import engagement, harvest
from services.evaluation.service_layer.callers import Caller
from services.evaluation.service_layer.errors import NotFound
from shared.db import UnitOfWork


async def _pulses(repo: EvaluationRepository, boards: list[str] | None, program_year: str) -> list[Answered]:
    found = [
        s.survey.id
        for s in await repo.surveys(boards=boards, program_year=program_year)
        if s.survey.kind == "pulse"
    ]
    answered = await repo.answered(found)
    return [a for survey_id in found for a in answered.get(survey_id, [])]


async def _rounds(repo: EvaluationRepository, boards: list[str] | None, program_year: str) -> list[Round]:
    found = [
        s
        for s in await repo.surveys(boards=boards, program_year=program_year)
        if s.survey.kind in ROUND_KINDS
    ]
    answered = await repo.answered([s.survey.id for s in found])
    return [
        Round(kind, tuple(a for s in found if s.survey.kind == kind for a in answered.get(s.survey.id, [])))
        for kind in ROUND_KINDS
    ]


async def _goal_themes(
    repo: EvaluationRepository, boards: list[str] | None, program_year: str
) -> list[GoalTheme]:
    """The learning-goal themes the year's mid-year and end-of-year rounds asked about, with names."""
    codes = sorted(
        {
            q.theme
            for s in await repo.surveys(boards=boards, program_year=program_year)
            if s.survey.kind in THEME_ATTAINMENT_ROUNDS
            for q in s.questions
            if q.theme is not None
        }
    )
    return await repo.goal_themes(codes)


async def board_report(
    uow: UnitOfWork, caller: Caller, *, board: str, program_year: str, now: datetime, min_group: int
) -> Report:
    if not caller.sees_board(board):
        raise NotFound("board")
    repo = EvaluationRepository(uow.session)
    return build(
        scope="board",
        board=board,
        program_year=program_year,
        prepared_on=now.date(),
        min_group=min_group,
        engagements=[await engagement.board(uow, caller, board=board, program_year=program_year, as_of=now)],
        rounds=await _rounds(repo, [board], program_year),
        harvest=await harvest.board_harvest(uow, caller, board=board, program_year=program_year),
        pulses=await _pulses(repo, [board], program_year),
        goal_themes=await _goal_themes(repo, [board], program_year),
    )


async def province_report(uow: UnitOfWork, *, program_year: str, now: datetime, min_group: int) -> Report:
    repo = EvaluationRepository(uow.session)
    return build(
        scope="province",
        board=None,
        program_year=program_year,
        prepared_on=now.date(),
        min_group=min_group,
        engagements=await engagement.province(uow, program_year=program_year, as_of=now),
        rounds=await _rounds(repo, None, program_year),
        harvest=await harvest.province_harvest(uow, program_year=program_year),
        pulses=await _pulses(repo, None, program_year),
        goal_themes=await _goal_themes(repo, None, program_year),
    )
