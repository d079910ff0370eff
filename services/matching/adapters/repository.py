"""Matching's repositories, one per aggregate (boards, people, hubs, runs, placements, standing
decisions), and the turning of rows into the domain's values. Release days live in ``meetings.py``,
what coordinators read in ``views.py`` and ``lists.py``; ``unit_of_work.py`` hands them all out.

Every query is scoped by board (and program year): nothing here reads across boards.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.matching.adapters.participants import SNAPSHOT_UPSERT
from services.matching.adapters.tables import (
    BoardPolicy,
    HubMember,
    HubRow,
    MatchingRun,
    PairingRow,
    ParticipantView,
    StandingDecisionRow,
    UnplacedTeacher,
    table_of,
)
from services.matching.domain.objective import DEFAULT_WEIGHTS, Weights
from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Pairing, Teacher

TEACHER_ROLES = ("beginning_teacher", "new_school_leader")
MENTOR_ROLE = "mentor"
# Namespace (first key) of matching's per-board advisory locks; the second key is hashtext(board).
BOARD_LOCK_CLASS = 727_002


# ---------------------------------------------------------------- locks


# ---------------------------------------------------------------- policy and people


@dataclass(frozen=True)
class BoardRules:
    policy: MatchingPolicy
    weights: Weights
    region: str | None
    hold_late_joiners: bool = False  # late joiners wait for the next published run


def teacher_of(view: ParticipantView, region: str | None = None) -> Teacher:
    return Teacher(
        participant_id=str(view.participant_id),
        board=view.board,
        hr_id=view.hr_id,
        role=view.role,
        school=view.school,
        grade_band=view.grade_band,
        subjects=tuple(view.subjects),
        language=view.language,
        themes=tuple(view.themes),
        region=region,
    )


def mentor_of(view: ParticipantView, region: str | None = None) -> Mentor:
    return Mentor(
        participant_id=str(view.participant_id),
        board=view.board,
        hr_id=view.hr_id,
        school=view.school,
        grade_band=view.grade_band,
        subjects=tuple(view.subjects),
        language=view.language,
        expertise_themes=tuple(view.expertise_themes),
        trained=view.trained,
        hub_capacity=view.hub_capacity,
        one_to_one_capacity=view.one_to_one_capacity,
        evaluates_hr_ids=frozenset(view.evaluates_hr_ids),
        leads_school_leaders=view.leads_school_leaders,
        region=region,
    )


@dataclass
class People:
    """A board's participants for a program year, as the matching domain sees them."""

    views: dict[str, ParticipantView]
    teachers: dict[str, Teacher]
    mentors: dict[str, Mentor]


# ---------------------------------------------------------------- hubs


@dataclass
class StoredHub:
    row: HubRow
    members: list[HubMember] = field(default_factory=list)
    leaders: list[HubMember] = field(default_factory=list)
    # Board coaches and consultants who support the hub (standing decisions of kind ``coach``):
    # invited to its meetings, never among its members or leaders.
    coaches: list[uuid.UUID] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    def domain(self) -> Hub:
        return Hub(
            hub_key=str(self.row.id),
            board=self.row.board,
            theme=self.row.theme,
            grade_band=self.row.grade_band,
            language=self.row.language,
            track=self.row.track,
            members=tuple(sorted(str(m.participant_id) for m in self.members)),
            leaders=tuple(sorted(str(m.participant_id) for m in self.leaders)),
            explanation=self.row.explanation,
            flags=tuple(self.row.flags),
            locked=self.row.locked,
        )


# ---------------------------------------------------------------- unplaced, pairings, runs


PUBLISHED = ("completed", "published")  # "completed": runs from before drafts, published at once


# ---------------------------------------------------------------- standing decisions


class BoardRepository:
    """A board's matching lock and policy."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def try_lock_board(self, board: str) -> bool:
        """Take the board's matching lock for this transaction if free (two replicas never interleave)."""
        result = await self.session.execute(
            sa.text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(:board))"),
            {"cls": BOARD_LOCK_CLASS, "board": board},
        )
        return bool(result.scalar_one())

    async def lock_board(self, board: str) -> None:
        """Wait for the board's matching lock (event handlers and overrides: short transactions)."""
        await self.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(:board))"),
            {"cls": BOARD_LOCK_CLASS, "board": board},
        )

    async def policy(self, board: str) -> BoardPolicy | None:
        return await self.session.get(BoardPolicy, board)

    async def load_rules(self, board: str) -> BoardRules:
        row = await self.policy(board)
        if row is None:
            return BoardRules(MatchingPolicy(), DEFAULT_WEIGHTS, None)
        known = set(Weights.__dataclass_fields__)
        weights = Weights(**{k: v for k, v in (row.weights or {}).items() if k in known})  # type: ignore[arg-type]  # JSON numbers; Weights types some as int
        policy = MatchingPolicy(
            min_hub_size=row.min_hub_size,
            max_hub_size=row.max_hub_size,
            share_across_boards_in_region=row.share_across_boards_in_region,
        )
        return BoardRules(policy, weights, row.region, row.hold_late_joiners)


class PeopleRepository:
    """Registration's participants as matching holds them, and their placement status."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def load_people(self, board: str, program_year: str, region: str | None) -> People:
        rows = (
            await self.session.execute(
                sa.select(ParticipantView).where(
                    col(ParticipantView.board) == board,
                    col(ParticipantView.program_year) == program_year,
                )
            )
        ).scalars()
        views = {str(v.participant_id): v for v in rows}
        active = [v for v in views.values() if not v.withdrawn]
        return People(
            views=views,
            teachers={
                str(v.participant_id): teacher_of(v, region) for v in active if v.role in TEACHER_ROLES
            },
            mentors={str(v.participant_id): mentor_of(v, region) for v in active if v.role == MENTOR_ROLE},
        )

    async def participant(self, participant_id: uuid.UUID) -> ParticipantView | None:
        result = await self.session.execute(
            sa.select(ParticipantView)
            .where(col(ParticipantView.participant_id) == participant_id)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def set_status(self, ids: Iterable[str | uuid.UUID], status: str) -> None:
        ids = [uuid.UUID(str(i)) for i in ids]
        if ids:
            await self.session.execute(
                sa.update(ParticipantView)
                .where(col(ParticipantView.participant_id).in_(ids))
                .values(placement_status=status)
            )

    async def record(self, rows: Sequence[dict[str, object]]) -> None:
        """Upsert registration's snapshots in one round trip (asyncpg's pipelined executemany), in
        order: a later snapshot of the same person still wins by revision."""
        await SNAPSHOT_UPSERT.execute(self.session, rows)


class HubRepository:
    """Hubs with their members and leaders."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def load_hubs(
        self,
        *,
        board: str,
        program_year: str,
        hub_ids: Sequence[uuid.UUID] | None = None,
        for_update: bool = False,
    ) -> list[StoredHub]:
        """A board's hubs of a program year (or some of them) with their members and leaders."""
        query = sa.select(HubRow).where(
            col(HubRow.board) == board,
            col(HubRow.program_year) == program_year,
        )
        if hub_ids is not None:
            query = query.where(col(HubRow.id).in_(list(hub_ids)))
        if for_update:
            query = query.with_for_update()
        query = query.order_by(col(HubRow.theme), col(HubRow.id)).execution_options(populate_existing=True)
        hubs = {row.id: StoredHub(row) for row in (await self.session.execute(query)).scalars()}
        if hubs:
            members = (
                await self.session.execute(
                    sa.select(HubMember)
                    .where(col(HubMember.hub_id).in_(list(hubs)))
                    .order_by(col(HubMember.participant_id))
                    .execution_options(populate_existing=True)
                )
            ).scalars()
            for member in members:
                stored = hubs[member.hub_id]
                (stored.leaders if member.role == "leader" else stored.members).append(member)
            for hub_id, coach_id in await DecisionRepository(self.session).coaches_of(
                board, program_year, list(hubs)
            ):
                hubs[hub_id].coaches.append(coach_id)
        return list(hubs.values())

    async def hub_board(self, hub_id: uuid.UUID) -> tuple[str, str] | None:
        """(board, program year) of a hub, to check access before anything else is read."""
        row = (
            await self.session.execute(
                sa.select(col(HubRow.board), col(HubRow.program_year)).where(col(HubRow.id) == hub_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def insert_hubs(
        self,
        *,
        program_year: str,
        hubs: Sequence[Hub],
        member_explanations: dict[tuple[str, str], str],
        run_id: uuid.UUID | None,
    ) -> None:
        if not hubs:
            return
        await self.session.execute(
            sa.insert(table_of(HubRow)),
            [
                {
                    "id": uuid.UUID(h.hub_key),
                    "board": h.board,
                    "program_year": program_year,
                    "theme": h.theme,
                    "grade_band": h.grade_band,
                    "language": h.language,
                    "track": h.track,
                    "explanation": h.explanation,
                    "flags": list(h.flags),
                    "locked": False,
                    "run_id": run_id,
                }
                for h in hubs
            ],
        )
        rows = [
            {
                "hub_id": uuid.UUID(h.hub_key),
                "participant_id": uuid.UUID(pid),
                "role": role,
                "board": h.board,
                "program_year": program_year,
                "explanation": member_explanations.get((h.hub_key, pid), ""),
            }
            for h in hubs
            for role, ids in (("member", h.members), ("leader", h.leaders))
            for pid in ids
        ]
        if rows:
            await self.session.execute(sa.insert(table_of(HubMember)), rows)

    async def delete_hubs(self, hub_ids: Iterable[uuid.UUID]) -> None:
        ids = list(hub_ids)
        if ids:
            await self.session.execute(sa.delete(HubRow).where(col(HubRow.id).in_(ids)))

    async def leader_load(self, board: str, program_year: str) -> dict[str, int]:
        """How many hubs each mentor of the board leads this program year."""
        rows = await self.session.execute(
            sa.select(col(HubMember.participant_id), sa.func.count())
            .where(
                col(HubMember.board) == board,
                col(HubMember.program_year) == program_year,
                col(HubMember.role) == "leader",
            )
            .group_by(col(HubMember.participant_id))
        )
        return {str(pid): n for pid, n in rows.all()}

    async def replace_members(self, hub_ids: Iterable[uuid.UUID]) -> None:
        """Remove every member and leader row of these hubs (a publish writes them anew)."""
        ids = list(hub_ids)
        if ids:
            await self.session.execute(sa.delete(HubMember).where(col(HubMember.hub_id).in_(ids)))

    async def insert_members(self, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            await self.session.execute(sa.insert(table_of(HubMember)), list(rows))

    async def update_hub(self, hub_id: uuid.UUID, values: dict[str, object]) -> None:
        await self.session.execute(
            sa.update(HubRow).where(col(HubRow.id) == hub_id).values(**values, updated_at=sa.func.now())
        )


class RunRepository:
    """Matching runs: drafts, published runs."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def has_run(self, board: str, program_year: str) -> bool:
        """Whether hubs were published for this board's program year (late joiners are placed from then
        on; a draft places nobody)."""
        found = await self.session.execute(
            sa.select(sa.literal(1))
            .where(
                col(MatchingRun.board) == board,
                col(MatchingRun.program_year) == program_year,
                col(MatchingRun.status).in_(PUBLISHED),
            )
            .limit(1)
        )
        return found.first() is not None

    async def last_published_run(self, board: str, program_year: str) -> MatchingRun | None:
        return (
            await self.session.execute(
                sa.select(MatchingRun)
                .where(
                    col(MatchingRun.board) == board,
                    col(MatchingRun.program_year) == program_year,
                    col(MatchingRun.status).in_(PUBLISHED),
                )
                .order_by(
                    col(MatchingRun.published_at).desc().nulls_last(), col(MatchingRun.started_at).desc()
                )
                .limit(1)
            )
        ).scalar_one_or_none()

    async def get_run(self, run_id: uuid.UUID, *, for_update: bool = False) -> MatchingRun | None:
        query = sa.select(MatchingRun).where(col(MatchingRun.id) == run_id)
        if for_update:
            query = query.with_for_update()
        return (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def supersede_drafts(self, board: str, program_year: str) -> None:
        """A new run replaces the drafts still open for the board's program year."""
        await self.session.execute(
            sa.update(MatchingRun)
            .where(
                col(MatchingRun.board) == board,
                col(MatchingRun.program_year) == program_year,
                col(MatchingRun.status) == "draft",
            )
            .values(status="superseded")
        )


class PlacementRepository:
    """One-to-one pairings and the unplaced list."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def unplaced_of(self, board: str, program_year: str) -> dict[str, UnplacedTeacher]:
        rows = (
            await self.session.execute(
                sa.select(UnplacedTeacher).where(
                    col(UnplacedTeacher.board) == board,
                    col(UnplacedTeacher.program_year) == program_year,
                )
            )
        ).scalars()
        return {str(r.participant_id): r for r in rows}

    async def upsert_unplaced(
        self, *, board: str, program_year: str, reasons: dict[str, str], run_id: uuid.UUID | None
    ) -> None:
        if not reasons:
            return
        table = table_of(UnplacedTeacher)
        statement = insert(table).values(
            [
                {
                    "program_year": program_year,
                    "participant_id": uuid.UUID(pid),
                    "board": board,
                    "reason": reason,
                    "run_id": run_id,
                }
                for pid, reason in reasons.items()
            ]
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.program_year, table.c.participant_id],
            set_={"reason": statement.excluded.reason, "run_id": statement.excluded.run_id},
        )
        await self.session.execute(statement)

    async def delete_unplaced(
        self, *, board: str, program_year: str, ids: Iterable[str] | None = None
    ) -> None:
        statement = sa.delete(UnplacedTeacher).where(
            col(UnplacedTeacher.board) == board,
            col(UnplacedTeacher.program_year) == program_year,
        )
        if ids is not None:
            wanted = [uuid.UUID(i) for i in ids]
            if not wanted:
                return
            statement = statement.where(col(UnplacedTeacher.participant_id).in_(wanted))
        await self.session.execute(statement)

    async def pairings_of(self, board: str, program_year: str) -> dict[str, PairingRow]:
        rows = (
            await self.session.execute(
                sa.select(PairingRow).where(
                    col(PairingRow.board) == board,
                    col(PairingRow.program_year) == program_year,
                )
            )
        ).scalars()
        return {str(r.teacher_id): r for r in rows}

    async def replace_pairings(
        self,
        *,
        board: str,
        program_year: str,
        pairings: Sequence[Pairing],
        run_id: uuid.UUID | None,
    ) -> None:
        await self.session.execute(
            sa.delete(PairingRow).where(
                col(PairingRow.board) == board,
                col(PairingRow.program_year) == program_year,
            )
        )
        await self.add_pairings(board=board, program_year=program_year, pairings=pairings, run_id=run_id)

    async def add_pairings(
        self,
        *,
        board: str,
        program_year: str,
        pairings: Sequence[Pairing],
        run_id: uuid.UUID | None,
    ) -> None:
        if pairings:
            await self.session.execute(
                sa.insert(table_of(PairingRow)),
                [
                    {
                        "program_year": program_year,
                        "teacher_id": uuid.UUID(p.teacher_id),
                        "board": board,
                        "mentor_id": uuid.UUID(p.mentor_id),
                        "explanation": p.explanation,
                        "run_id": run_id,
                    }
                    for p in pairings
                ],
            )

    async def delete_pairing(self, board: str, program_year: str, teacher_id: str) -> None:
        await self.session.execute(
            sa.delete(PairingRow).where(
                col(PairingRow.board) == board,
                col(PairingRow.program_year) == program_year,
                col(PairingRow.teacher_id) == uuid.UUID(teacher_id),
            )
        )


class DecisionRepository:
    """Coordinators' standing decisions, coach assignments included."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def decisions_of(self, board: str, program_year: str) -> list[StandingDecisionRow]:
        rows = await self.session.execute(
            sa.select(StandingDecisionRow)
            .where(
                col(StandingDecisionRow.board) == board,
                col(StandingDecisionRow.program_year) == program_year,
            )
            .order_by(col(StandingDecisionRow.id))
        )
        return list(rows.scalars())

    async def replace_decisions(
        self,
        *,
        board: str,
        program_year: str,
        participant_id: str,
        kinds: Sequence[str],
        hub_id: uuid.UUID | None = None,
    ) -> None:
        """Drop the participant's earlier decisions of these kinds (on ``hub_id`` if given): a newer
        decision on the same question replaces the older one."""
        statement = sa.delete(StandingDecisionRow).where(
            col(StandingDecisionRow.board) == board,
            col(StandingDecisionRow.program_year) == program_year,
            col(StandingDecisionRow.participant_id) == uuid.UUID(participant_id),
            col(StandingDecisionRow.kind).in_(list(kinds)),
        )
        if hub_id is not None:
            statement = statement.where(col(StandingDecisionRow.hub_id) == hub_id)
        await self.session.execute(statement)

    async def coaches_of(
        self, board: str, program_year: str, hub_ids: Collection[uuid.UUID] | None = None
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(hub, coach) of the board's coach assignments in the program year (on ``hub_ids`` if given)."""
        query = sa.select(col(StandingDecisionRow.hub_id), col(StandingDecisionRow.participant_id)).where(
            col(StandingDecisionRow.board) == board,
            col(StandingDecisionRow.program_year) == program_year,
            col(StandingDecisionRow.kind) == "coach",
        )
        if hub_ids is not None:
            query = query.where(col(StandingDecisionRow.hub_id).in_(list(hub_ids)))
        rows = await self.session.execute(
            query.order_by(col(StandingDecisionRow.hub_id), col(StandingDecisionRow.participant_id))
        )
        return [(h, p) for h, p in rows.tuples().all() if h is not None]

    async def coach_decision(
        self, board: str, hub_id: uuid.UUID, coach_id: uuid.UUID
    ) -> StandingDecisionRow | None:
        rows = await self.session.execute(
            sa.select(StandingDecisionRow).where(
                col(StandingDecisionRow.board) == board,
                col(StandingDecisionRow.kind) == "coach",
                col(StandingDecisionRow.hub_id) == hub_id,
                col(StandingDecisionRow.participant_id) == coach_id,
            )
        )
        return rows.scalars().first()

    async def coach_decisions_of(
        self, board: str, *, hub_ids: Sequence[uuid.UUID] = (), coach_id: uuid.UUID | None = None
    ) -> list[StandingDecisionRow]:
        """The board's coach assignments on these hubs, or of this coach."""
        query = sa.select(StandingDecisionRow).where(
            col(StandingDecisionRow.board) == board,
            col(StandingDecisionRow.kind) == "coach",
        )
        if coach_id is not None:
            query = query.where(col(StandingDecisionRow.participant_id) == coach_id)
        else:
            query = query.where(col(StandingDecisionRow.hub_id).in_(list(hub_ids)))
        return list((await self.session.execute(query.order_by(col(StandingDecisionRow.id)))).scalars())

    async def get_decision(self, board: str, decision_id: int) -> StandingDecisionRow | None:
        rows = await self.session.execute(
            sa.select(StandingDecisionRow).where(
                col(StandingDecisionRow.board) == board,
                col(StandingDecisionRow.id) == decision_id,
            )
        )
        return rows.scalars().first()

    async def delete_decision(self, board: str, decision_id: int) -> bool:
        result = await self.session.execute(
            sa.delete(StandingDecisionRow)
            .where(col(StandingDecisionRow.board) == board, col(StandingDecisionRow.id) == decision_id)
            .returning(col(StandingDecisionRow.id))
        )
        return result.first() is not None
