"""Inbox: the tracking table that makes every consumer idempotent.

Its primary key is (consumer, event_id) and the row is written in the same transaction
as the handler's effect, so a redelivered or duplicated event has no second effect.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(session: AsyncSession, *, consumer: str, event_id: uuid.UUID, event_type: str) -> bool:
    """Record that ``consumer`` handles ``event_id``; False when it already did (skip the effect).

    A concurrent duplicate waits on the primary key until the first transaction ends, then sees
    the conflict, so two copies in flight at once still give one effect.
    """
    return event_id in await claim_many(session, consumer=consumer, events=[(event_id, event_type)])


_CLAIM_MANY = sa.text(
    "INSERT INTO inbox (consumer, event_id, event_type) "
    "SELECT :consumer, e.event_id, e.event_type "
    "FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS text[])) AS e(event_id, event_type) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


async def claim_many(
    session: AsyncSession, *, consumer: str, events: list[tuple[uuid.UUID, str]]
) -> set[uuid.UUID]:
    """:func:`claim` for several events in one statement; returns the ids handled for the first time.

    Ids go in sorted, so two transactions claiming overlapping sets lock their rows in the same
    order and cannot deadlock each other. ``events`` must not repeat an id.
    """
    ordered = sorted(events)
    result = await session.execute(
        _CLAIM_MANY,
        {
            "consumer": consumer,
            "event_ids": [event_id for event_id, _ in ordered],
            "event_types": [event_type for _, event_type in ordered],
        },
    )
    return set(result.scalars())
