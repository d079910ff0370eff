"""Registration's view of placement, kept true from matching's events: a participant is 'placed'
while they are in a hub (member or leader) or in a one-to-one pairing, 'registered' otherwise
(removed from their last hub, their hub dissolved). A withdrawal is never undone by placement news."""

from __future__ import annotations

from services.registration.adapters.repository import repositories
from shared.db import UnitOfWork
from shared.events.matching import HubFormed, HubMembershipChanged, MentorPaired, MentorUnpaired


async def mark_hub_members_placed(uow: UnitOfWork, event: HubFormed | HubMembershipChanged) -> None:
    """The hub's members and leaders are exactly those the event lists: added people are placed,
    removed people are placed only if another hub or a pairing still holds them."""
    people = [*event.members, *event.leaders]
    await repositories(uow).placements.set_hub_members(board=event.board, hub_id=event.hub_id, people=people)
    removed = event.removed if isinstance(event, HubMembershipChanged) else []
    await repositories(uow).placements.refresh_status(board=event.board, people=[*people, *removed])


async def mark_pair_placed(uow: UnitOfWork, event: MentorPaired) -> None:
    """A beginning teacher and their one-to-one mentor are placed; a re-pairing frees the old mentor
    unless a hub or another pairing holds them."""
    previous = await repositories(uow).placements.mentor_of(board=event.board, teacher_id=event.teacher_id)
    await repositories(uow).placements.set_pairing(
        board=event.board, teacher_id=event.teacher_id, mentor_id=event.mentor_id
    )
    people = [event.teacher_id, event.mentor_id, *previous]
    await repositories(uow).placements.refresh_status(board=event.board, people=people)


async def mark_pair_ended(uow: UnitOfWork, event: MentorUnpaired) -> None:
    """A pairing ended: the teacher and the mentor stay placed only if a hub or another pairing
    holds them (a re-pairing's new mentor is untouched)."""
    await repositories(uow).placements.end_pairing(
        board=event.board, teacher_id=event.teacher_id, mentor_id=event.mentor_id
    )
    await repositories(uow).placements.refresh_status(
        board=event.board, people=[event.teacher_id, event.mentor_id]
    )
