"""All of evaluation's SQL: the facts the bus reported, surveys and their answers, the harvest.

Reads take the board they are for (or the boards a caller may see) as part of the query.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.adapters import tables as t
from services.evaluation.domain.engagement import Hub, Meeting, Observation, Pairing
from services.evaluation.domain.harvest import Item, Theme
from services.evaluation.domain.privacy import Answered
from services.evaluation.domain.questions import Choice, GoalTheme, Question, QuestionSet
from services.evaluation.domain.surveys import Survey


def question_from(data: dict[str, Any]) -> Question:
    return Question(
        key=data["key"],
        kind=data["kind"],
        text=data["text"],
        min=data.get("min", 1),
        max=data.get("max", 5),
        choices=tuple(Choice(c["key"], c["text"]) for c in data.get("choices", [])),
        required=data.get("required", True),
        theme=data.get("theme"),
    )


@dataclass(frozen=True)
class StoredSurvey:
    survey: Survey
    question_set: str
    title: dict[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class BoardFacts:
    hubs: list[Hub]
    meetings: list[Meeting]
    pairings: list[Pairing]
    observations: list[Observation]
    sessions_attended: int
    enrolments: int


def _hub(row: Any) -> Hub:
    return Hub(row.id, row.board, row.program_year, row.formed_at, tuple(row.members), tuple(row.leaders))


def _survey(row: Any) -> StoredSurvey:
    return StoredSurvey(
        Survey(
            id=row.id,
            board=row.board,
            program_year=row.program_year,
            kind=row.kind,
            mode=row.mode,
            opens_at=row.opens_at,
            closes_at=row.closes_at,
            invitees=frozenset(row.invitees),
            hub_id=row.hub_id,
            meeting_id=row.meeting_id,
        ),
        row.question_set,
        row.title,
        tuple(question_from(q) for q in row.questions),
    )


class EvaluationRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # -- facts from the bus -----------------------------------------------------------------------

    async def put_participant(self, values: dict[str, Any]) -> None:
        """Insert or replace a participant's role and status; a newer revision wins."""
        stmt = pg_insert(t.participants).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["participant_id"],
            set_={k: stmt.excluded[k] for k in values if k != "participant_id"},
            where=t.participants.c.revision <= stmt.excluded.revision,
        )
        await self.session.execute(stmt)

    async def participant_role(self, participant_id: uuid.UUID) -> str | None:
        return await self.session.scalar(
            sa.select(t.participants.c.role).where(t.participants.c.participant_id == participant_id)
        )

    async def participant_goals(self, participant_id: uuid.UUID) -> tuple[str | None, list[str]]:
        """A participant's role and learning-goal themes, in their order (none when unknown)."""
        row = (
            await self.session.execute(
                sa.select(t.participants.c.role, t.participants.c.themes).where(
                    t.participants.c.participant_id == participant_id
                )
            )
        ).one_or_none()
        return (row.role, list(row.themes)) if row else (None, [])

    async def goal_themes_of(self, participants: Sequence[uuid.UUID], roles: Sequence[str]) -> list[str]:
        """The learning-goal theme codes of these participants (those holding one of ``roles``)."""
        rows = await self.session.scalars(
            sa.select(t.participants.c.themes).where(
                t.participants.c.participant_id.in_(list(participants)),
                t.participants.c.role.in_(list(roles)),
            )
        )
        return sorted({code for themes in rows for code in themes})

    async def put_theme(self, *, code: str, name_en: str, name_fr: str, updated_at: datetime) -> None:
        """A theme's names (ThemeDefined); a newer definition wins."""
        stmt = pg_insert(t.themes).values(code=code, name_en=name_en, name_fr=name_fr, updated_at=updated_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={k: stmt.excluded[k] for k in ("name_en", "name_fr", "updated_at")},
            where=t.themes.c.updated_at <= stmt.excluded.updated_at,
        )
        await self.session.execute(stmt)

    async def goal_themes(self, codes: Sequence[str]) -> list[GoalTheme]:
        """These themes with their names, in the order given (the code stands for an unknown name)."""
        rows = await self.session.execute(sa.select(t.themes).where(t.themes.c.code.in_(list(codes))))
        names = {r.code: (r.name_en, r.name_fr) for r in rows}
        return [GoalTheme(c, *names.get(c, (c, c))) for c in codes]

    async def put_hub(self, values: dict[str, Any]) -> None:
        """Insert a hub, or replace its members and leaders when this change is newer."""
        stmt = pg_insert(t.hubs).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={k: stmt.excluded[k] for k in ("members", "leaders", "changed_at", "theme")},
            where=t.hubs.c.changed_at <= stmt.excluded.changed_at,
        )
        await self.session.execute(stmt)

    async def hub(self, hub_id: uuid.UUID, *, boards: Sequence[str] | None = None) -> Hub | None:
        query = sa.select(t.hubs).where(t.hubs.c.id == hub_id)
        if boards is not None:
            query = query.where(t.hubs.c.board.in_(boards))
        row = (await self.session.execute(query)).one_or_none()
        return _hub(row) if row else None

    async def hubs_of(self, participant_id: uuid.UUID) -> list[Hub]:
        rows = await self.session.execute(
            sa.select(t.hubs).where(
                sa.or_(t.hubs.c.members.any(participant_id), t.hubs.c.leaders.any(participant_id))
            )
        )
        return [_hub(r) for r in rows]

    async def put_pairing(self, values: dict[str, Any]) -> None:
        """A pairing made; the newer fact wins, an end included (a pairing made after it starts anew)."""
        stmt = pg_insert(t.pairings).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["program_year", "teacher_id"],
            set_={
                "mentor_id": stmt.excluded.mentor_id,
                "paired_at": stmt.excluded.paired_at,
                "ended_at": None,
            },
            where=sa.and_(
                t.pairings.c.paired_at <= stmt.excluded.paired_at,
                sa.or_(t.pairings.c.ended_at.is_(None), t.pairings.c.ended_at <= stmt.excluded.paired_at),
            ),
        )
        await self.session.execute(stmt)

    async def end_pairing(
        self, *, program_year: str, teacher_id: uuid.UUID, mentor_id: uuid.UUID, board: str, at: datetime
    ) -> None:
        """The teacher's pairing with this mentor ended at ``at``. Arriving before its MentorPaired, the
        end is kept alone (paired and ended at ``at``) so the older pairing cannot revive it."""
        stmt = pg_insert(t.pairings).values(
            program_year=program_year,
            teacher_id=teacher_id,
            board=board,
            mentor_id=mentor_id,
            paired_at=at,
            ended_at=at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["program_year", "teacher_id"],
            set_={"ended_at": stmt.excluded.ended_at},
            where=sa.and_(t.pairings.c.mentor_id == mentor_id, t.pairings.c.paired_at <= at),
        )
        await self.session.execute(stmt)

    async def mark_harvest_published(self, board: str, program_year: str, at: datetime) -> bool:
        """False when the board's harvest of that year was already published."""
        result = await self.session.execute(
            pg_insert(t.harvest_publications)
            .values(board=board, program_year=program_year, published_at=at)
            .on_conflict_do_nothing()
            .returning(t.harvest_publications.c.board)
        )
        return result.scalar_one_or_none() is not None

    async def harvest_published_at(self, board: str, program_year: str) -> datetime | None:
        return await self.session.scalar(
            sa.select(t.harvest_publications.c.published_at).where(
                t.harvest_publications.c.board == board, t.harvest_publications.c.program_year == program_year
            )
        )

    async def put_meeting(self, values: dict[str, Any]) -> None:
        """A meeting booked, moved or cancelled; a later sequence wins, and a meeting recorded as held
        stays held."""
        stmt = pg_insert(t.meetings).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={k: stmt.excluded[k] for k in ("starts_at", "ends_at", "status", "sequence")},
            where=sa.and_(t.meetings.c.sequence <= stmt.excluded.sequence, t.meetings.c.status != "held"),
        )
        await self.session.execute(stmt)

    async def meeting(self, meeting_id: uuid.UUID, *, for_update: bool = False) -> tuple[str, Meeting] | None:
        query = sa.select(t.meetings).where(t.meetings.c.id == meeting_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        return row.board, Meeting(row.id, row.hub_id, row.starts_at, row.ends_at, row.status)

    async def meetings_of_hubs(self, hub_ids: Sequence[uuid.UUID], *, started_by: datetime) -> list[Meeting]:
        """The hubs' meetings that started by ``started_by`` (cancelled ones left out), latest first."""
        if not hub_ids:
            return []
        rows = await self.session.execute(
            sa.select(t.meetings)
            .where(
                t.meetings.c.hub_id.in_(hub_ids),
                t.meetings.c.starts_at <= started_by,
                t.meetings.c.status != "cancelled",
            )
            .order_by(t.meetings.c.starts_at.desc())
        )
        return [Meeting(r.id, r.hub_id, r.starts_at, r.ends_at, r.status) for r in rows]

    async def mark_held(
        self,
        meeting_id: uuid.UUID,
        board: str,
        *,
        recorded_at: datetime,
        present: Sequence[uuid.UUID],
        absent: Sequence[uuid.UUID],
    ) -> bool:
        """Record the meeting as held with its attendance (a newer record replaces an older one);
        False when it is cancelled or a newer record is already kept."""
        updated = await self.session.scalar(
            sa.update(t.meetings)
            .where(
                t.meetings.c.id == meeting_id,
                t.meetings.c.status != "cancelled",
                sa.or_(t.meetings.c.recorded_at.is_(None), t.meetings.c.recorded_at <= recorded_at),
            )
            .values(status="held", recorded_at=recorded_at)
            .returning(t.meetings.c.id)
        )
        if updated is None:
            return False
        await self.session.execute(
            sa.delete(t.meeting_attendance).where(t.meeting_attendance.c.meeting_id == meeting_id)
        )
        rows = [
            {"meeting_id": meeting_id, "participant_id": p, "board": board, "present": is_present}
            for people, is_present in ((present, True), (absent, False))
            for p in people
        ]
        if rows:
            await self.session.execute(sa.insert(t.meeting_attendance), rows)
        return True

    async def add_observation(self, values: dict[str, Any]) -> None:
        await self.session.execute(pg_insert(t.observations).values(**values).on_conflict_do_nothing())

    async def put_session(self, values: dict[str, Any]) -> None:
        stmt = pg_insert(t.sessions).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={k: stmt.excluded[k] for k in ("kind", "starts_at", "status", "sequence")},
            where=t.sessions.c.sequence <= stmt.excluded.sequence,
        )
        await self.session.execute(stmt)

    async def add_enrolment(self, values: dict[str, Any]) -> None:
        await self.session.execute(pg_insert(t.enrolments).values(**values).on_conflict_do_nothing())

    async def put_session_attendance(self, values: dict[str, Any]) -> None:
        stmt = pg_insert(t.session_attendance).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["session_id", "participant_id"], set_={"attended": stmt.excluded.attended}
        )
        await self.session.execute(stmt)

    async def workshops(self, board: str) -> list[datetime]:
        """Start times of the board's workshops that are still on, in order."""
        rows = await self.session.scalars(
            sa.select(t.sessions.c.starts_at)
            .where(
                t.sessions.c.board == board,
                t.sessions.c.kind == "workshop",
                t.sessions.c.status != "cancelled",
            )
            .where(t.sessions.c.starts_at.is_not(None))
            .order_by(t.sessions.c.starts_at)
        )
        return list(rows)

    async def board_facts(self, board: str, program_year: str) -> BoardFacts:
        hub_rows = await self.session.execute(
            sa.select(t.hubs).where(t.hubs.c.board == board, t.hubs.c.program_year == program_year)
        )
        hubs = [_hub(r) for r in hub_rows]
        hub_ids = [h.id for h in hubs]
        meeting_rows = list(
            await self.session.execute(sa.select(t.meetings).where(t.meetings.c.hub_id.in_(hub_ids)))
        )
        attendance: dict[uuid.UUID, tuple[set[uuid.UUID], set[uuid.UUID]]] = defaultdict(
            lambda: (set(), set())
        )
        for row in await self.session.execute(
            sa.select(t.meeting_attendance).where(
                t.meeting_attendance.c.meeting_id.in_([m.id for m in meeting_rows])
            )
        ):
            attendance[row.meeting_id][0 if row.present else 1].add(row.participant_id)
        meetings = [
            Meeting(
                m.id,
                m.hub_id,
                m.starts_at,
                m.ends_at,
                m.status,
                frozenset(attendance[m.id][0]),
                frozenset(attendance[m.id][1]),
            )
            for m in meeting_rows
        ]
        pairings = [
            Pairing(r.teacher_id, r.mentor_id, r.program_year)
            for r in await self.session.execute(
                sa.select(t.pairings).where(
                    t.pairings.c.board == board,
                    t.pairings.c.program_year == program_year,
                    t.pairings.c.ended_at.is_(None),
                )
            )
        ]
        observations = [
            Observation(r.id, r.visitor_id, r.host_id, r.starts_at, r.ends_at)
            for r in await self.session.execute(
                sa.select(t.observations).where(t.observations.c.board == board)
            )
        ]
        attended = await self.session.scalar(
            sa.select(sa.func.count()).where(
                t.session_attendance.c.board == board, t.session_attendance.c.attended.is_(True)
            )
        )
        enrolled = await self.session.scalar(sa.select(sa.func.count()).where(t.enrolments.c.board == board))
        return BoardFacts(hubs, meetings, pairings, observations, attended or 0, enrolled or 0)

    async def boards(self, program_year: str) -> list[str]:
        rows = await self.session.scalars(
            sa.select(t.hubs.c.board)
            .where(t.hubs.c.program_year == program_year)
            .distinct()
            .order_by(t.hubs.c.board)
        )
        return list(rows)

    # -- question sets and surveys ----------------------------------------------------------------

    async def question_set(self, key: str) -> QuestionSet | None:
        row = (
            await self.session.execute(sa.select(t.question_sets).where(t.question_sets.c.key == key))
        ).one_or_none()
        if row is None:
            return None
        return QuestionSet(
            row.key, row.board, tuple(question_from(q) for q in row.questions), row.extends, row.title
        )

    async def put_question_set(self, qs: QuestionSet) -> None:
        values = {
            "key": qs.key,
            "board": qs.board,
            "extends": qs.extends,
            "title": dict(qs.title),
            "questions": [q.as_data() for q in qs.questions],
        }
        stmt = pg_insert(t.question_sets).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={k: stmt.excluded[k] for k in values if k != "key"}
        )
        await self.session.execute(stmt)

    async def question_sets(self, board: str | None) -> list[QuestionSet]:
        rows = await self.session.execute(
            sa.select(t.question_sets)
            .where(sa.or_(t.question_sets.c.board.is_(None), t.question_sets.c.board == board))
            .order_by(t.question_sets.c.key)
        )
        return [
            QuestionSet(r.key, r.board, tuple(question_from(q) for q in r.questions), r.extends, r.title)
            for r in rows
        ]

    async def add_survey(
        self, survey: Survey, *, question_set: str, title: dict[str, str], questions: Sequence[Question]
    ) -> bool:
        """Store a new survey; False when its meeting already has a pulse or its round already exists."""
        result = await self.session.execute(
            pg_insert(t.surveys)
            .values(
                id=survey.id,
                board=survey.board,
                program_year=survey.program_year,
                kind=survey.kind,
                mode=survey.mode,
                hub_id=survey.hub_id,
                meeting_id=survey.meeting_id,
                question_set=question_set,
                title=title,
                questions=[q.as_data() for q in questions],
                opens_at=survey.opens_at,
                closes_at=survey.closes_at,
                invitees=sorted(survey.invitees),
            )
            .on_conflict_do_nothing()
            .returning(t.surveys.c.id)
        )
        return result.scalar_one_or_none() is not None

    async def survey(
        self, survey_id: uuid.UUID, *, boards: Sequence[str] | None = None
    ) -> StoredSurvey | None:
        query = sa.select(t.surveys).where(t.surveys.c.id == survey_id)
        if boards is not None:
            query = query.where(t.surveys.c.board.in_(boards))
        row = (await self.session.execute(query)).one_or_none()
        return _survey(row) if row else None

    async def surveys(
        self,
        *,
        boards: Sequence[str] | None,
        program_year: str | None = None,
        invitee: uuid.UUID | None = None,
    ) -> list[StoredSurvey]:
        query = sa.select(t.surveys).order_by(t.surveys.c.opens_at, t.surveys.c.id)
        if boards is not None:
            query = query.where(t.surveys.c.board.in_(boards))
        if program_year:
            query = query.where(t.surveys.c.program_year == program_year)
        if invitee is not None:
            query = query.where(t.surveys.c.invitees.any(invitee))
        return [_survey(r) for r in await self.session.execute(query)]

    async def has_responded(self, survey_id: uuid.UUID, voter: str) -> bool:
        found = await self.session.scalar(
            sa.select(sa.literal(True)).where(t.ballots.c.survey_id == survey_id, t.ballots.c.voter == voter)
        )
        return bool(found)

    async def cast_ballot(self, survey_id: uuid.UUID, voter: str, board: str) -> bool:
        """Record that the voter answered; False when they already had."""
        result = await self.session.execute(
            pg_insert(t.ballots)
            .values(survey_id=survey_id, voter=voter, board=board)
            .on_conflict_do_nothing()
            .returning(t.ballots.c.survey_id)
        )
        return result.scalar_one_or_none() is not None

    async def put_salt(self, survey_id: uuid.UUID, salt: bytes) -> None:
        await self.session.execute(sa.insert(t.survey_salts).values(survey_id=survey_id, salt=salt))

    async def salt(self, survey_id: uuid.UUID) -> bytes | None:
        return await self.session.scalar(
            sa.select(t.survey_salts.c.salt).where(t.survey_salts.c.survey_id == survey_id)
        )

    async def surveys_to_remind(self, now: datetime) -> list[StoredSurvey]:
        """Open confidential surveys not reminded yet (the domain says whether one is due)."""
        rows = await self.session.execute(
            sa.select(t.surveys)
            .where(t.surveys.c.mode == "confidential", t.surveys.c.reminded_at.is_(None))
            .where(t.surveys.c.opens_at <= now, t.surveys.c.closes_at > now)
            .with_for_update(skip_locked=True)
        )
        return [_survey(r) for r in rows]

    async def mark_reminded(self, survey_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            sa.update(t.surveys).where(t.surveys.c.id == survey_id).values(reminded_at=now)
        )

    async def voters(self, survey_id: uuid.UUID) -> set[str]:
        return set(
            await self.session.scalars(sa.select(t.ballots.c.voter).where(t.ballots.c.survey_id == survey_id))
        )

    async def forget_salts(self, now: datetime) -> int:
        """Erase the salts of anonymous surveys that have closed: their ballots then name nobody."""
        closed = sa.select(t.surveys.c.id).where(t.surveys.c.closes_at <= now)
        result = await self.session.execute(
            sa.delete(t.survey_salts)
            .where(t.survey_salts.c.survey_id.in_(closed))
            .returning(t.survey_salts.c.survey_id)
        )
        return len(result.all())

    async def add_response(self, values: dict[str, Any]) -> None:
        await self.session.execute(sa.insert(t.responses).values(**values))

    async def response_of(
        self, survey_id: uuid.UUID, edit_key_hash: bytes
    ) -> tuple[uuid.UUID, dict[str, Any]] | None:
        """The one response its respondent may reach: by the hash of the key only they hold."""
        query = sa.select(t.responses.c.id, t.responses.c.answers).where(
            t.responses.c.survey_id == survey_id, t.responses.c.edit_key_hash == edit_key_hash
        )
        row = (await self.session.execute(query.with_for_update())).one_or_none()
        return (row.id, row.answers) if row else None

    async def replace_answers(self, response_id: uuid.UUID, answers: dict[str, Any]) -> None:
        await self.session.execute(
            sa.update(t.responses).where(t.responses.c.id == response_id).values(answers=answers)
        )

    async def answered(self, survey_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Answered]]:
        """Every response of these surveys as aggregation sees them: answers, hub and role only."""
        found: dict[uuid.UUID, list[Answered]] = defaultdict(list)
        rows = await self.session.execute(
            sa.select(
                t.responses.c.survey_id,
                t.responses.c.answers,
                t.responses.c.hub_id,
                t.responses.c.role,
                t.responses.c.board,
            ).where(t.responses.c.survey_id.in_(survey_ids))
        )
        for row in rows:
            found[row.survey_id].append(Answered(row.answers, row.hub_id, row.role, row.board))
        return found

    # -- harvest ----------------------------------------------------------------------------------

    async def add_item(self, values: dict[str, Any]) -> None:
        await self.session.execute(sa.insert(t.harvest_items).values(**values))

    async def add_theme(self, values: dict[str, Any]) -> None:
        await self.session.execute(sa.insert(t.harvest_themes).values(**values))

    async def theme_hub(self, theme_id: uuid.UUID) -> uuid.UUID | None:
        return await self.session.scalar(
            sa.select(t.harvest_themes.c.hub_id).where(t.harvest_themes.c.id == theme_id)
        )

    async def vote(self, theme_id: uuid.UUID, participant_id: uuid.UUID, board: str) -> bool:
        result = await self.session.execute(
            pg_insert(t.harvest_votes)
            .values(theme_id=theme_id, participant_id=participant_id, board=board)
            .on_conflict_do_nothing()
            .returning(t.harvest_votes.c.theme_id)
        )
        return result.scalar_one_or_none() is not None

    async def harvest(
        self, *, program_year: str, board: str | None = None, hub_id: uuid.UUID | None = None
    ) -> tuple[list[Item], list[Theme]]:
        items_q = sa.select(t.harvest_items).where(t.harvest_items.c.program_year == program_year)
        votes = (
            sa.select(sa.func.count())
            .where(t.harvest_votes.c.theme_id == t.harvest_themes.c.id)
            .scalar_subquery()
            .label("votes")
        )
        themes_q = sa.select(t.harvest_themes, votes).where(t.harvest_themes.c.program_year == program_year)
        if board is not None:
            items_q = items_q.where(t.harvest_items.c.board == board)
            themes_q = themes_q.where(t.harvest_themes.c.board == board)
        if hub_id is not None:
            items_q = items_q.where(t.harvest_items.c.hub_id == hub_id)
            themes_q = themes_q.where(t.harvest_themes.c.hub_id == hub_id)
        items = [
            Item(r.id, r.board, r.hub_id, r.phase, r.text, r.owner, r.due_on)
            for r in await self.session.execute(
                items_q.order_by(t.harvest_items.c.created_at, t.harvest_items.c.id)
            )
        ]
        themes = [
            Theme(r.id, r.board, r.hub_id, r.title, r.votes, tuple(r.items))
            for r in await self.session.execute(themes_q)
        ]
        return items, themes
