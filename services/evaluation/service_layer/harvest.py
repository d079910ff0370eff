"""The appreciative-inquiry harvest: a hub's participants (and the board's coordinators) add stories,
wishes and propositions, group them into themes and vote; boards and the province read the roll-up."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from services.evaluation.adapters.repository import EvaluationRepository
from services.evaluation.domain import events as domain_events
from services.evaluation.domain.engagement import Hub
from services.evaluation.domain.errors import Conflict
from services.evaluation.domain.harvest import Harvest, check_item, check_theme, gather, roll_up
from services.evaluation.service_layer.callers import Caller
from services.evaluation.service_layer.contracts import to_integration
from services.evaluation.service_layer.errors import NotFound
from shared.db import UnitOfWork


async def _hub(repo: EvaluationRepository, caller: Caller, hub_id: uuid.UUID, *, write: bool) -> Hub:
    hub = await repo.hub(hub_id, boards=caller.boards)
    if hub is None or not (caller.staff or caller.takes_part_in(hub)):
        raise NotFound("hub")
    if write and not caller.may_write_harvest(hub):
        raise NotFound("hub")
    return hub


async def add_item(
    uow: UnitOfWork,
    caller: Caller,
    hub_id: uuid.UUID,
    *,
    phase: str,
    text: str,
    owner: str | None,
    due_on: date | None,
    now: datetime,
) -> uuid.UUID:
    repo = EvaluationRepository(uow.session)
    hub = await _hub(repo, caller, hub_id, write=True)
    check_item(phase, text, owner, due_on)
    item_id = uuid.uuid4()
    await repo.add_item(
        {
            "id": item_id,
            "board": hub.board,
            "hub_id": hub.id,
            "program_year": hub.program_year,
            "phase": phase,
            "text": text.strip(),
            "owner": owner.strip() if owner else None,
            "due_on": due_on,
            "created_at": now,
        }
    )
    await uow.commit()
    return item_id


async def add_theme(
    uow: UnitOfWork, caller: Caller, hub_id: uuid.UUID, *, title: str, items: Sequence[uuid.UUID]
) -> uuid.UUID:
    repo = EvaluationRepository(uow.session)
    hub = await _hub(repo, caller, hub_id, write=True)
    known, _ = await repo.harvest(program_year=hub.program_year, hub_id=hub.id)
    check_theme(title, items, (i.id for i in known if i.phase in ("discover", "dream")))
    theme_id = uuid.uuid4()
    await repo.add_theme(
        {
            "id": theme_id,
            "board": hub.board,
            "hub_id": hub.id,
            "program_year": hub.program_year,
            "title": title.strip(),
            "items": list(items),
        }
    )
    await uow.commit()
    return theme_id


async def vote(uow: UnitOfWork, caller: Caller, theme_id: uuid.UUID) -> None:
    """A hub participant's vote for a theme of their hub: one each."""
    repo = EvaluationRepository(uow.session)
    hub_id = await repo.theme_hub(theme_id)
    if hub_id is None or caller.participant_id is None:
        raise NotFound("theme")
    hub = await repo.hub(hub_id, boards=caller.boards)
    if hub is None or not caller.takes_part_in(hub):
        raise NotFound("theme")
    if not await repo.vote(theme_id, caller.participant_id, hub.board):
        raise Conflict("you have already voted for this theme", field="theme_id")
    await uow.commit()


async def hub_harvest(uow: UnitOfWork, caller: Caller, hub_id: uuid.UUID) -> Harvest:
    repo = EvaluationRepository(uow.session)
    hub = await _hub(repo, caller, hub_id, write=False)
    items, themes = await repo.harvest(program_year=hub.program_year, hub_id=hub.id)
    return gather(items, themes)


async def board_harvest(uow: UnitOfWork, caller: Caller, *, board: str, program_year: str) -> Harvest:
    """Every hub's harvest of the board, gathered (themes by votes, propositions by date)."""
    if not caller.sees_board(board):
        raise NotFound("board")
    items, themes = await EvaluationRepository(uow.session).harvest(program_year=program_year, board=board)
    hubs = sorted({i.hub_id for i in items} | {t.hub_id for t in themes}, key=str)
    parts = {
        str(h): gather([i for i in items if i.hub_id == h], [t for t in themes if t.hub_id == h])
        for h in hubs
    }
    return roll_up(parts)


async def province_harvest(uow: UnitOfWork, *, program_year: str) -> Harvest:
    """Every board's harvest, gathered."""
    items, themes = await EvaluationRepository(uow.session).harvest(program_year=program_year)
    everyone = Caller(boards=None, staff=True)
    boards = sorted({i.board for i in items} | {t.board for t in themes})
    return roll_up(
        {b: await board_harvest(uow, everyone, board=b, program_year=program_year) for b in boards}
    )


PUBLISHED_THEMES = 10


async def publish(
    uow: UnitOfWork, caller: Caller, *, board: str, program_year: str, now: datetime
) -> domain_events.HarvestPublished:
    """A coordinator publishes the board's harvest of the year, once: the year's hub members and leaders
    are told (HarvestPublished) and its themes become what the year leaves to the next."""
    if not (caller.staff and caller.sees_board(board)):
        raise NotFound("board")
    gathered = await board_harvest(uow, caller, board=board, program_year=program_year)
    if not gathered.themes:
        raise Conflict(f"the harvest of {program_year} has no theme yet", field="program_year")
    repo = EvaluationRepository(uow.session)
    if not await repo.mark_harvest_published(board, program_year, now):
        raise Conflict(f"the harvest of {program_year} is already published", field="program_year")
    facts = await repo.board_facts(board, program_year)
    invitees = {p for h in facts.hubs for p in (*h.members, *h.leaders)}
    published = domain_events.HarvestPublished(
        board=board,
        program_year=program_year,
        themes=[t.title for t in gathered.themes[:PUBLISHED_THEMES]],
        propositions=len(gathered.propositions),
        invitees=sorted(invitees),
    )
    uow.publish(to_integration(published))
    await uow.commit()
    return published


async def published_at(uow: UnitOfWork, caller: Caller, *, board: str, program_year: str) -> datetime | None:
    if not caller.sees_board(board):
        raise NotFound("board")
    return await EvaluationRepository(uow.session).harvest_published_at(board, program_year)
