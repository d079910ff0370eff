"""The appreciative-inquiry harvest: stories of what worked (Discover), wishes (Dream), themes that
participants group them into and vote on (Design), propositions with an owner and a date (Destiny).
A hub's harvest rolls up into its board's, a board's into the province's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.evaluation.domain.errors import InvalidFields

PHASES = ("discover", "dream", "destiny")
MAX_TEXT = 1000


@dataclass(frozen=True)
class Item:
    id: uuid.UUID
    board: str
    hub_id: uuid.UUID
    phase: str
    text: str
    owner: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class Theme:
    id: uuid.UUID
    board: str
    hub_id: uuid.UUID
    title: str
    votes: int = 0
    items: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Harvest:
    """A harvest at one level; ``parts`` are the harvests it gathers (hubs of a board, boards of the
    province), each keyed by the hub id or board code."""

    stories: tuple[Item, ...]
    wishes: tuple[Item, ...]
    themes: tuple[Theme, ...]
    propositions: tuple[Item, ...]
    parts: dict[str, Harvest] = field(default_factory=dict)


def check_item(phase: str, text: str, owner: str | None, due_on: date | None) -> None:
    """A story, wish or proposition; a proposition names its owner and its date."""
    problems: dict[str, str] = {}
    if phase not in PHASES:
        problems["phase"] = "one of " + ", ".join(PHASES)
    if not text.strip() or len(text) > MAX_TEXT:
        problems["text"] = f"between 1 and {MAX_TEXT} characters"
    if phase == "destiny":
        if not owner or not owner.strip():
            problems["owner"] = "a proposition has an owner"
        if due_on is None:
            problems["due_on"] = "a proposition has a date"
    elif owner is not None or due_on is not None:
        problems["owner" if owner is not None else "due_on"] = (
            "only a proposition (destiny) has an owner and a date"
        )
    if problems:
        raise InvalidFields(problems)


def check_theme(title: str, items: Sequence[uuid.UUID], known: Iterable[uuid.UUID]) -> None:
    problems: dict[str, str] = {}
    if not title.strip() or len(title) > 200:
        problems["title"] = "between 1 and 200 characters"
    known_set = set(known)
    unknown = [i for i, item in enumerate(items) if item not in known_set]
    if unknown:
        problems["items"] = f"entries {unknown} are not stories or wishes of this hub"
    if problems:
        raise InvalidFields(problems)


def gather(
    items: Iterable[Item], themes: Iterable[Theme], parts: dict[str, Harvest] | None = None
) -> Harvest:
    """One harvest of these items and themes: themes by votes (most first), propositions by date."""
    items = list(items)
    by = {p: tuple(i for i in items if i.phase == p) for p in PHASES}
    return Harvest(
        stories=by["discover"],
        wishes=by["dream"],
        themes=tuple(sorted(themes, key=lambda t: (-t.votes, t.title))),
        propositions=tuple(sorted(by["destiny"], key=lambda i: (i.due_on or date.max, i.text))),
        parts=parts or {},
    )


def roll_up(parts: dict[str, Harvest]) -> Harvest:
    """The harvest gathering every part's (a board's from its hubs, the province's from its boards)."""
    items = [i for h in parts.values() for i in (*h.stories, *h.wishes, *h.propositions)]
    themes = [t for h in parts.values() for t in h.themes]
    return gather(items, themes, parts)
