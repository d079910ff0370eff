"""What coordinators read: hubs with their people and explanations, a participant's placement, the
unplaced list, runs and overrides. Names come from matching's participant view (a coordinator sees
the names of their own board); every query is scoped by board."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.matching.adapters.repository import HubRepository, StoredHub
from services.matching.adapters.tables import (
    HubMember,
    HubRow,
    MatchingRun,
    Override,
    PairingRow,
    ParticipantView,
    UnplacedTeacher,
)
from services.matching.domain.run_outcome import ROLE_KEYS


class Card(NamedTuple):
    """What a coordinator reads beside a participant's id: name, school and HR id (to join with the
    board's own HR data)."""

    display_name: str | None
    school: str | None
    hr_id: str | None


UNKNOWN = Card(None, None, None)


def _person(member: HubMember, known: dict[uuid.UUID, Card]) -> dict[str, Any]:
    card = known.get(member.participant_id, UNKNOWN)
    return {
        "participant_id": member.participant_id,
        "display_name": card.display_name,
        "school": card.school,
        "hr_id": card.hr_id,
        "explanation": member.explanation,
    }


def hub_view(stored: StoredHub, known: dict[uuid.UUID, Card]) -> dict[str, Any]:
    row = stored.row
    return {
        "id": row.id,
        "board": row.board,
        "program_year": row.program_year,
        "theme": row.theme,
        "grade_band": row.grade_band,
        "language": row.language,
        "track": row.track,
        "locked": row.locked,
        "explanation": row.explanation,
        "flags": list(row.flags),
        "run_id": row.run_id,
        "member_count": len(stored.members),
        "members": [_person(m, known) for m in stored.members],
        "leaders": [_person(m, known) for m in stored.leaders],
        "coaches": [
            {
                "participant_id": c,
                "display_name": known.get(c, UNKNOWN).display_name,
                "school": known.get(c, UNKNOWN).school,
                "hr_id": known.get(c, UNKNOWN).hr_id,
            }
            for c in stored.coaches
        ],
    }


def _grouped(rows: Iterable[Any]) -> dict[tuple[str, str], list[uuid.UUID]]:
    out: dict[tuple[str, str], list[uuid.UUID]] = {}
    for board, year, hub_id in rows:
        out.setdefault((board, year), []).append(hub_id)
    return out


class Views:
    """What coordinators and participants read, assembled with names and schools, over one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(col(ParticipantView.participant_id), col(ParticipantView.display_name)).where(
                col(ParticipantView.participant_id).in_(wanted)
            )
        )
        return dict(rows.tuples().all())

    async def names_and_schools(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(
                col(ParticipantView.participant_id),
                col(ParticipantView.display_name),
                col(ParticipantView.school),
            ).where(col(ParticipantView.participant_id).in_(wanted))
        )
        return {p: (n, s) for p, n, s in rows.tuples().all()}

    async def cards(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Card]:
        """Name, school and HR id of each of these participants matching has heard of."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            sa.select(
                col(ParticipantView.participant_id),
                col(ParticipantView.display_name),
                col(ParticipantView.school),
                col(ParticipantView.hr_id),
            ).where(col(ParticipantView.participant_id).in_(wanted))
        )
        return {p: Card(n, s, h) for p, n, s, h in rows.tuples().all()}

    async def hub_views(self, hubs: list[StoredHub]) -> list[dict[str, Any]]:
        known = await self.cards(
            [
                *(m.participant_id for h in hubs for m in (*h.members, *h.leaders)),
                *(c for h in hubs for c in h.coaches),
            ],
        )
        return [hub_view(h, known) for h in hubs]

    async def list_hubs(
        self,
        *,
        boards: list[str] | None,
        board: str | None,
        program_year: str | None,
        theme: str | None,
        limit: int,
        offset: int,
        q: str | None = None,
        school: str | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        filters: list[sa.ColumnElement[bool]] = []
        if q or school:
            # Hubs with a member or leader of that name (or HR id) or from that school.
            person = sa.select(col(HubMember.hub_id)).join(
                ParticipantView,
                col(ParticipantView.participant_id) == col(HubMember.participant_id),
            )
            if q:
                person = person.where(
                    sa.or_(col(ParticipantView.display_name).ilike(f"%{q}%"), col(ParticipantView.hr_id) == q)
                )
            if school:
                person = person.where(col(ParticipantView.school) == school)
            filters.append(col(HubRow.id).in_(person))
        if boards is not None:
            filters.append(col(HubRow.board).in_(boards))
        if board:
            filters.append(col(HubRow.board) == board)
        if program_year:
            filters.append(col(HubRow.program_year) == program_year)
        if theme:
            filters.append(col(HubRow.theme) == theme)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(HubRow).where(*filters))
        ).scalar_one()
        page = (
            await self.session.execute(
                sa.select(col(HubRow.board), col(HubRow.program_year), col(HubRow.id))
                .where(*filters)
                .order_by(col(HubRow.board), col(HubRow.program_year), col(HubRow.theme), col(HubRow.id))
                .limit(limit)
                .offset(offset)
            )
        ).all()
        stored: list[StoredHub] = []
        for (b, year), group in _grouped(page).items():
            stored += await HubRepository(self.session).load_hubs(board=b, program_year=year, hub_ids=group)
        order = {row[2]: i for i, row in enumerate(page)}
        stored.sort(key=lambda h: order[h.id])
        return total, await self.hub_views(stored)

    async def placement(self, view: ParticipantView) -> dict[str, Any]:
        """A participant's placement: their hub (or why none), co-members, leaders, one-to-one mentor."""
        memberships = (
            (
                await self.session.execute(
                    sa.select(HubMember).where(
                        col(HubMember.participant_id) == view.participant_id,
                        col(HubMember.program_year) == view.program_year,
                    )
                )
            )
            .scalars()
            .all()
        )
        member_of = next((m for m in memberships if m.role == "member"), None)
        hub: dict[str, Any] | None = None
        leaders: list[dict[str, Any]] = []
        co_members = 0
        if member_of is not None:
            stored = (
                await HubRepository(self.session).load_hubs(
                    board=view.board, program_year=view.program_year, hub_ids=[member_of.hub_id]
                )
            )[0]
            known = await self.cards(m.participant_id for m in stored.leaders)
            hub = {
                "id": stored.row.id,
                "theme": stored.row.theme,
                "grade_band": stored.row.grade_band,
                "language": stored.row.language,
                "locked": stored.row.locked,
                "explanation": stored.row.explanation,
            }
            leaders = [
                {
                    "participant_id": m.participant_id,
                    "display_name": known.get(m.participant_id, UNKNOWN).display_name,
                }
                for m in stored.leaders
            ]
            co_members = len(stored.members) - 1
        pairing = (
            await self.session.execute(
                sa.select(PairingRow).where(
                    col(PairingRow.program_year) == view.program_year,
                    col(PairingRow.teacher_id) == view.participant_id,
                )
            )
        ).scalar_one_or_none()
        mentor = None
        if pairing is not None:
            card = (await self.cards([pairing.mentor_id])).get(pairing.mentor_id, UNKNOWN)
            mentor = {
                "participant_id": pairing.mentor_id,
                "display_name": card.display_name,
                "explanation": pairing.explanation,
            }
        unplaced = await self.session.get(UnplacedTeacher, (view.program_year, view.participant_id))
        return {
            "participant_id": view.participant_id,
            "board": view.board,
            "program_year": view.program_year,
            "role": view.role,
            "placement_status": view.placement_status,
            "withdrawn": view.withdrawn,
            "revision": view.revision,
            "hub": hub,
            "co_members": co_members,
            "leaders": leaders,
            "explanation": member_of.explanation if member_of else None,
            "one_to_one_mentor": mentor,
            "unplaced_reason": unplaced.reason if unplaced else None,
            "leads_hubs": sorted(m.hub_id for m in memberships if m.role == "leader"),
        }

    async def list_unplaced(self, board: str, program_year: str) -> list[dict[str, Any]]:
        rows = (
            (
                await self.session.execute(
                    sa.select(UnplacedTeacher)
                    .where(
                        col(UnplacedTeacher.board) == board,
                        col(UnplacedTeacher.program_year) == program_year,
                    )
                    .order_by(col(UnplacedTeacher.recorded_at), col(UnplacedTeacher.participant_id))
                )
            )
            .scalars()
            .all()
        )
        known = await self.cards(r.participant_id for r in rows)
        return [
            {
                "participant_id": r.participant_id,
                "display_name": known.get(r.participant_id, UNKNOWN).display_name,
                "hr_id": known.get(r.participant_id, UNKNOWN).hr_id,
                "reason": r.reason,
                "run_id": r.run_id,
                "recorded_at": r.recorded_at,
            }
            for r in rows
        ]

    async def hub_seats(
        self, board: str, program_year: str, batch: int = 1000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every seat (member, then leader) of the board's hubs with the person's HR id, name and
        school, in batches read from a server-side cursor (a large board is never held at once)."""
        query = (
            sa.select(
                col(HubRow.id),
                col(HubRow.theme),
                col(HubRow.grade_band),
                col(HubRow.language),
                col(HubRow.track),
                col(HubRow.locked),
                col(HubMember.role),
                col(HubMember.participant_id),
                col(ParticipantView.hr_id),
                col(ParticipantView.display_name),
                col(ParticipantView.school),
            )
            .select_from(HubMember)
            .join(HubRow, col(HubRow.id) == col(HubMember.hub_id))
            .outerjoin(ParticipantView, col(ParticipantView.participant_id) == col(HubMember.participant_id))
            .where(col(HubRow.board) == board, col(HubRow.program_year) == program_year)
            .order_by(
                col(HubRow.theme),
                col(HubRow.grade_band),
                col(HubRow.id),
                col(HubMember.role).desc(),  # members, then leaders
                col(ParticipantView.display_name),
                col(HubMember.participant_id),
            )
            .execution_options(yield_per=batch)
        )
        result = await self.session.stream(query)
        async for part in result.partitions(batch):
            yield [tuple(r) for r in part]

    async def summary(self, board: str, program_year: str) -> dict[str, Any]:
        """What is published for the board's program year, counted in PostgreSQL: hubs, placed,
        unplaced and pairings over every role, and the same (with who takes part) by role."""
        by_role = {
            key: {"participants": 0, "hubs": 0, "placed": 0, "unplaced": 0, "pairings": 0}
            for key in ROLE_KEYS.values()
        }
        role = sa.func.coalesce(col(ParticipantView.role), "beginning_teacher")
        track_role = sa.case(
            (col(HubRow.track) == "school_leaders", "new_school_leader"), else_="beginning_teacher"
        )
        queries: dict[str, sa.Select[Any]] = {
            "participants": sa.select(col(ParticipantView.role), sa.func.count())
            .where(
                col(ParticipantView.board) == board,
                col(ParticipantView.program_year) == program_year,
                col(ParticipantView.role).in_(list(ROLE_KEYS)),
                col(ParticipantView.withdrawn).is_(False),
            )
            .group_by(col(ParticipantView.role)),
            "hubs": sa.select(track_role, sa.func.count())
            .where(col(HubRow.board) == board, col(HubRow.program_year) == program_year)
            .group_by(track_role),
            # A hub's members share its track (new school leaders meet in hubs of their own).
            "placed": sa.select(track_role, sa.func.count())
            .select_from(HubMember)
            .join(HubRow, col(HubRow.id) == col(HubMember.hub_id))
            .where(
                col(HubRow.board) == board,
                col(HubRow.program_year) == program_year,
                col(HubMember.role) == "member",
            )
            .group_by(track_role),
            "unplaced": sa.select(role, sa.func.count())
            .select_from(UnplacedTeacher)
            .outerjoin(
                ParticipantView, col(ParticipantView.participant_id) == col(UnplacedTeacher.participant_id)
            )
            .where(col(UnplacedTeacher.board) == board, col(UnplacedTeacher.program_year) == program_year)
            .group_by(role),
            "pairings": sa.select(role, sa.func.count())
            .select_from(PairingRow)
            .outerjoin(ParticipantView, col(ParticipantView.participant_id) == col(PairingRow.teacher_id))
            .where(col(PairingRow.board) == board, col(PairingRow.program_year) == program_year)
            .group_by(role),
        }
        for name, query in queries.items():
            for who, count in (await self.session.execute(query)).tuples():
                by_role[ROLE_KEYS.get(who, "beginning_teachers")][name] += count
        totals = {
            name: sum(r[name] for r in by_role.values())
            for name in ("hubs", "placed", "unplaced", "pairings")
        }
        return {"board": board, "program_year": program_year, **totals, **by_role}

    async def list_runs(self, board: str, program_year: str) -> list[MatchingRun]:
        return list(
            (
                await self.session.execute(
                    sa.select(MatchingRun)
                    .where(
                        col(MatchingRun.board) == board,
                        col(MatchingRun.program_year) == program_year,
                    )
                    .order_by(col(MatchingRun.started_at).desc())
                )
            ).scalars()
        )

    async def list_overrides(self, board: str, program_year: str) -> list[Override]:
        return list(
            (
                await self.session.execute(
                    sa.select(Override)
                    .where(
                        col(Override.board) == board,
                        col(Override.program_year) == program_year,
                    )
                    .order_by(col(Override.id))
                )
            ).scalars()
        )

    async def memberships(self, participant_id: uuid.UUID, program_year: str) -> list[HubMember]:
        """The participant's seats (member or leader) in hubs of the program year."""
        return list(
            (
                await self.session.execute(
                    sa.select(HubMember).where(
                        col(HubMember.participant_id) == participant_id,
                        col(HubMember.program_year) == program_year,
                    )
                )
            ).scalars()
        )

    async def pairings_with(self, participant_id: uuid.UUID, program_year: str) -> list[PairingRow]:
        """One-to-one pairings of the program year in which the participant is teacher or mentor."""
        return list(
            (
                await self.session.execute(
                    sa.select(PairingRow).where(
                        col(PairingRow.program_year) == program_year,
                        sa.or_(
                            col(PairingRow.teacher_id) == participant_id,
                            col(PairingRow.mentor_id) == participant_id,
                        ),
                    )
                )
            ).scalars()
        )

    async def unplaced(self, program_year: str, participant_id: uuid.UUID) -> UnplacedTeacher | None:
        return await self.session.get(UnplacedTeacher, (program_year, participant_id))
