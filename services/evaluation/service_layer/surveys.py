"""Surveys: question sets (the province's defaults and a board's extensions), opening rounds and
pulses, one response per person editable until the survey closes, and aggregate results only.

No use case here returns anyone's answers but the respondent's own; results pass through
:mod:`services.evaluation.domain.privacy`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.evaluation.adapters.repository import EvaluationRepository, StoredSurvey
from services.evaluation.domain import events as domain_events
from services.evaluation.domain.errors import Conflict, InvalidFields
from services.evaluation.domain.privacy import Answered, Results, aggregate
from services.evaluation.domain.questions import (
    PROVINCE_SETS,
    THEME_ASKED_ROLES,
    THEME_ATTAINMENT_ROUNDS,
    Question,
    QuestionSet,
    check_answers,
    extend,
    parse_questions,
    questions_for,
    require_both_languages,
    with_attainment,
)
from services.evaluation.domain.surveys import (
    MODES,
    ROUND_KINDS,
    TITLES,
    Survey,
    due_rounds,
    program_year_of,
    pulse_for_meeting,
    round_window,
    workshop_for,
)
from services.evaluation.service_layer.callers import Caller
from services.evaluation.service_layer.contracts import to_integration
from services.evaluation.service_layer.errors import NotFound
from shared.db import UnitOfWork
from shared.events import evaluation

BASES = {"core": "province-core", "pulse": "province-pulse"}


def board_set_key(board: str, base: str) -> str:
    return f"{board}:{base}"


async def seed_province_sets(uow: UnitOfWork) -> None:
    """The province's default sets, as data (replaced at start-up by the version this code carries)."""
    repo = EvaluationRepository(uow.session)
    for qs in PROVINCE_SETS.values():
        await repo.put_question_set(qs)
    await uow.commit()


async def put_board_set(
    uow: UnitOfWork, *, board: str, base: str, raw_questions: list[Any], title: Mapping[str, str]
) -> QuestionSet:
    """A board's extension of a province set (``core`` or ``pulse``): the province's questions first,
    then the board's own. Stored even when a translation is missing; it cannot open a survey until
    both languages are there."""
    if base not in BASES:
        raise InvalidFields.one("base", "one of core, pulse")
    repo = EvaluationRepository(uow.session)
    province = await repo.question_set(BASES[base])
    assert province is not None  # seeded at start-up
    extra = parse_questions(raw_questions)
    questions = extend(province.questions, extra)
    qs = QuestionSet(
        key=board_set_key(board, base),
        board=board,
        questions=questions,
        extends=province.key,
        title={k: v for k, v in title.items() if v} or dict(province.title),
    )
    await repo.put_question_set(qs)
    await uow.commit()
    return qs


async def question_sets(uow: UnitOfWork, board: str) -> list[QuestionSet]:
    return await EvaluationRepository(uow.session).question_sets(board)


async def _set_for(repo: EvaluationRepository, board: str, base: str, *, fall_back: bool) -> QuestionSet:
    """The board's set for ``base`` when it has one, else the province's. Opening refuses a set
    without both languages (422); an automatic pulse falls back to the province's set instead."""
    own = await repo.question_set(board_set_key(board, base))
    if own is not None:
        try:
            require_both_languages(own.questions, own.title)
            return own
        except InvalidFields:
            if not fall_back:
                raise
    province = await repo.question_set(BASES[base])
    assert province is not None
    return province


async def _open(
    uow: UnitOfWork, repo: EvaluationRepository, survey: Survey, qs: QuestionSet, **envelope: Any
) -> bool:
    title = dict(qs.title) if qs.extends else TITLES[survey.kind]
    if not await repo.add_survey(survey, question_set=qs.key, title=title, questions=qs.questions):
        return False
    if survey.mode == "anonymous":
        await repo.put_salt(survey.id, secrets.token_bytes(32))
    opened = domain_events.SurveyOpened(
        board=survey.board,
        survey_id=survey.id,
        program_year=survey.program_year,
        kind=survey.kind,
        hub_id=survey.hub_id,
        meeting_id=survey.meeting_id,
        title_en=title["en"],
        title_fr=title["fr"],
        closes_at=survey.closes_at,
        invitees=sorted(survey.invitees),
    )
    uow.publish(to_integration(opened, **envelope))
    return True


async def open_pulse(
    uow: UnitOfWork, event: evaluation.HubMeetingRecorded, *, mode: str = "anonymous"
) -> bool:
    """The pulse after a meeting held, for those present; once per meeting (the survey's id is the
    meeting's, and the meeting is unique among surveys)."""
    repo = EvaluationRepository(uow.session)
    hub = await repo.hub(event.hub_id)
    if hub is None:
        return False
    present = [p for p in event.present if p in hub.people]
    if not present:
        return False
    survey = pulse_for_meeting(
        board=event.board,
        program_year=hub.program_year,
        hub_id=hub.id,
        meeting_id=event.meeting_id,
        held_at=event.held_at,
        present=present,
        mode=mode,
    )
    qs = await _set_for(repo, event.board, "pulse", fall_back=True)
    return await _open(uow, repo, survey, qs, **event.caused())


async def open_round(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    kind: str,
    mode: str,
    now: datetime,
    closes_at: datetime | None = None,
) -> StoredSurvey:
    """Open the board's baseline, mid-year or end-of-year survey now, for every hub member of the
    year; it closes at ``closes_at`` or at the end of the round's window (four weeks when that has
    passed). One per kind and year (409 for a second)."""
    problems: dict[str, str] = {}
    if kind not in ROUND_KINDS:
        problems["kind"] = "one of " + ", ".join(ROUND_KINDS)
    if mode not in MODES:
        problems["mode"] = "one of " + ", ".join(MODES)
    if problems:
        raise InvalidFields(problems)
    repo = EvaluationRepository(uow.session)
    workshops = await repo.workshops(board)
    _, window_closes = round_window(kind, program_year, workshop=workshop_for(kind, workshops))
    closes = closes_at or (window_closes if window_closes > now else None)
    if closes is None:
        closes = now + timedelta(days=28)
    if closes <= now:
        raise InvalidFields.one("closes_at", "must be after now")
    facts = await repo.board_facts(board, program_year)
    invitees = frozenset(m for h in facts.hubs for m in h.members) | frozenset(
        p.teacher_id for p in facts.pairings
    )
    if not invitees:
        raise Conflict(f"no hub members in {program_year} to invite", field="program_year")
    qs = await _set_for(repo, board, "core", fall_back=False)
    if kind in THEME_ATTAINMENT_ROUNDS:
        # One attainment question per learning-goal theme any invited teacher or leader holds; each
        # invitee is shown only their own (questions_for).
        codes = await repo.goal_themes_of(sorted(invitees), THEME_ASKED_ROLES)
        qs = replace(qs, questions=with_attainment(qs.questions, await repo.goal_themes(codes)))
    survey = Survey(
        id=uuid.uuid4(),
        board=board,
        program_year=program_year,
        kind=kind,
        mode=mode,
        opens_at=now,
        closes_at=closes,
        invitees=invitees,
    )
    if not await _open(uow, repo, survey, qs):
        raise Conflict(f"the {kind} survey of {program_year} is already open", field="kind")
    stored = await repo.survey(survey.id)
    assert stored is not None
    await uow.commit()
    return stored


async def surveys_for_board(
    uow: UnitOfWork, caller: Caller, *, board: str, program_year: str | None
) -> list[StoredSurvey]:
    if not caller.sees_board(board):
        raise NotFound("board")
    return await EvaluationRepository(uow.session).surveys(boards=[board], program_year=program_year)


async def _voter(repo: EvaluationRepository, survey: Survey, participant_id: uuid.UUID) -> str | None:
    """Who a ballot names: the participant (confidential), or a hash of them with the survey's salt
    (anonymous; None once the survey closed and its salt was erased)."""
    if survey.mode == "confidential":
        return str(participant_id)
    salt = await repo.salt(survey.id)
    return hashlib.sha256(salt + participant_id.bytes).hexdigest() if salt is not None else None


@dataclass(frozen=True)
class MySurvey:
    stored: StoredSurvey
    responded: bool | None  # None: an anonymous survey that closed no longer knows


async def my_surveys(uow: UnitOfWork, participant_id: uuid.UUID) -> list[MySurvey]:
    """The surveys a participant is invited to, and whether they answered each."""
    repo = EvaluationRepository(uow.session)
    found = await repo.surveys(boards=None, invitee=participant_id)
    mine = []
    for s in found:
        voter = await _voter(repo, s.survey, participant_id)
        mine.append(MySurvey(s, None if voter is None else await repo.has_responded(s.survey.id, voter)))
    return mine


async def survey_for(uow: UnitOfWork, caller: Caller, survey_id: uuid.UUID) -> StoredSurvey:
    """A survey's questions: to its invitees, and to staff of its board (never anyone's answers)."""
    stored = await EvaluationRepository(uow.session).survey(survey_id, boards=caller.boards)
    if stored is None:
        raise NotFound("survey")
    invited = caller.participant_id is not None and caller.participant_id in stored.survey.invitees
    if not (invited or caller.staff):
        raise NotFound("survey")
    if invited and caller.participant_id is not None:
        return await _as_asked(EvaluationRepository(uow.session), stored, caller.participant_id)
    return stored


async def _as_asked(
    repo: EvaluationRepository, stored: StoredSurvey, participant_id: uuid.UUID
) -> StoredSurvey:
    """The survey as this invitee is asked it: the attainment questions of their own themes only."""
    role, themes = await repo.participant_goals(participant_id)
    return replace(stored, questions=questions_for(stored.questions, role=role, themes=themes))


def _key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True)
class Answer:
    answers: dict[str, Any]
    response_key: str | None  # given once, to the respondent, when the response is created
    created: bool


async def respond(
    uow: UnitOfWork,
    *,
    survey_id: uuid.UUID,
    participant_id: uuid.UUID,
    answers: Mapping[str, Any],
    response_key: str | None,
    now: datetime,
) -> Answer:
    """Answer (or, with one's response key, change one's answer) while the survey is open: one
    response per person. The answer row holds no person in either mode; only its respondent's key
    leads back to it. The ballot says who answered: by name in a confidential survey (for reminders),
    by a salted hash in an anonymous one."""
    repo = EvaluationRepository(uow.session)
    stored = await repo.survey(survey_id)
    if stored is None or participant_id not in stored.survey.invitees:
        raise NotFound("survey")
    survey = stored.survey
    survey.check_can_answer(participant_id, now)
    asked = await _as_asked(repo, stored, participant_id)
    clean = check_answers(asked.questions, answers)
    if response_key:
        existing = await repo.response_of(survey.id, _key_hash(response_key))
        if existing is None:
            raise NotFound("response")
        await repo.replace_answers(existing[0], clean)
        await uow.commit()
        return Answer(clean, None, False)
    voter = await _voter(repo, survey, participant_id)
    if voter is None:  # its salt is erased only once it closed
        raise Conflict("this survey is closed")
    if not await repo.cast_ballot(survey.id, voter, survey.board):
        raise Conflict(
            "you have already answered; send your response key to change your answers", field="response_key"
        )
    role, _ = await repo.participant_goals(participant_id)
    hubs = [
        h
        for h in await repo.hubs_of(participant_id)
        if h.board == survey.board and h.program_year == survey.program_year
    ]
    hub_id = survey.hub_id or (hubs[0].id if hubs else None)
    key = secrets.token_urlsafe(24)
    await repo.add_response(
        {
            "id": uuid.uuid4(),
            "survey_id": survey.id,
            "board": survey.board,
            "hub_id": hub_id,
            "role": role,
            "answers": clean,
            "edit_key_hash": _key_hash(key),
        }
    )
    await uow.commit()
    return Answer(clean, key, True)


async def my_response(
    uow: UnitOfWork, *, survey_id: uuid.UUID, participant_id: uuid.UUID, response_key: str | None
) -> dict[str, Any]:
    """The respondent's own answers, by the key only they hold (never anyone else's)."""
    repo = EvaluationRepository(uow.session)
    stored = await repo.survey(survey_id)
    if stored is None or participant_id not in stored.survey.invitees or not response_key:
        raise NotFound("response")
    found = await repo.response_of(survey_id, _key_hash(response_key))
    if found is None:
        raise NotFound("response")
    return found[1]


@dataclass(frozen=True)
class PooledResults:
    kind: str
    surveys: int
    questions: tuple[Question, ...]
    results: Results


async def results(
    uow: UnitOfWork,
    caller: Caller,
    *,
    board: str,
    program_year: str,
    kind: str,
    filters: Mapping[str, str],
    min_group: int,
) -> PooledResults:
    """Aggregates of every survey of ``kind`` of the board's year, for the group ``filters`` select
    (hub, role); suppressed below ``min_group`` and where two filters' difference would single out."""
    if not caller.sees_board(board):
        raise NotFound("board")
    repo = EvaluationRepository(uow.session)
    found = [
        s for s in await repo.surveys(boards=[board], program_year=program_year) if s.survey.kind == kind
    ]
    if not found:
        raise NotFound("survey")
    answered = await repo.answered([s.survey.id for s in found])
    pooled: list[Answered] = [a for s in found for a in answered.get(s.survey.id, [])]
    questions: dict[str, Question] = {}
    for s in found:
        for q in s.questions:
            questions.setdefault(q.key, q)
    return PooledResults(
        kind,
        len(found),
        tuple(questions.values()),
        aggregate(tuple(questions.values()), pooled, filters, min_group),
    )


@dataclass(frozen=True)
class ScheduleOutcome:
    opened: list[tuple[str, str]]  # (board, kind)
    waiting: list[tuple[str, str]]  # due but refused (e.g. the board's set lacks a translation)
    salts_forgotten: int
    reminded: int = 0


async def send_reminders(uow: UnitOfWork, *, now: datetime) -> int:
    """Remind, once, those who have not answered a confidential survey in its last days."""
    repo = EvaluationRepository(uow.session)
    sent = 0
    for stored in await repo.surveys_to_remind(now):
        survey = stored.survey
        if not survey.reminder_due(now):
            continue
        answered = await repo.voters(survey.id)
        pending = sorted(p for p in survey.invitees if str(p) not in answered)
        await repo.mark_reminded(survey.id, now)
        if pending:
            uow.publish(
                to_integration(
                    domain_events.SurveyReminderRequested(
                        board=survey.board,
                        survey_id=survey.id,
                        program_year=survey.program_year,
                        kind=survey.kind,
                        title_en=stored.title["en"],
                        title_fr=stored.title["fr"],
                        closes_at=survey.closes_at,
                        invitees=pending,
                    )
                )
            )
            sent += 1
    await uow.commit()
    return sent


async def keep_schedule(open_uow: Callable[[], UnitOfWork], *, now: datetime, mode: str) -> ScheduleOutcome:
    """Open every board's rounds whose window is open (Workshop 1, Workshop 2, May), once each, and
    erase the salts of anonymous surveys that closed. Each board in its own transaction; replicas
    running this together open each round once (the round is unique per board, year and kind)."""
    year = program_year_of(now)
    async with open_uow() as uow:
        boards = await EvaluationRepository(uow.session).boards(year)
    opened: list[tuple[str, str]] = []
    waiting: list[tuple[str, str]] = []
    for board in boards:
        async with open_uow() as uow:
            repo = EvaluationRepository(uow.session)
            workshops = await repo.workshops(board)
            existing = {s.survey.kind for s in await repo.surveys(boards=[board], program_year=year)}
        for kind in due_rounds(year, workshops=workshops, now=now):
            if kind in existing:
                continue
            async with open_uow() as uow:
                try:
                    await open_round(uow, board=board, program_year=year, kind=kind, mode=mode, now=now)
                    opened.append((board, kind))
                except (Conflict, InvalidFields):
                    waiting.append((board, kind))
    async with open_uow() as uow:
        reminded = await send_reminders(uow, now=now)
    async with open_uow() as uow:
        forgotten = await EvaluationRepository(uow.session).forget_salts(now)
        await uow.commit()
    return ScheduleOutcome(opened, waiting, forgotten, reminded)
