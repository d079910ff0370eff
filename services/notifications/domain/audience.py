"""Who hears about a change: only the people it concerns."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence


def _unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


def hub_change(
    *,
    added: Sequence[uuid.UUID],
    removed: Sequence[uuid.UUID],
    members: Sequence[uuid.UUID],
    leaders: Sequence[uuid.UUID],
    change: str,
) -> list[uuid.UUID]:
    """Who hears about a hub's membership change: whoever joined or left; the other members only
    when the change is one they should know of (someone came or went, new hub leaders). A change of
    no kind (a lock, a rerun that changed nothing) tells no one who neither joined nor left, and a
    dissolved hub has no one left to tell but those who left it."""
    concerned = _unique([*added, *removed])
    if change and change != "dissolved" and (concerned or change == "leader_change"):
        return _unique([*concerned, *members, *leaders])
    return concerned
