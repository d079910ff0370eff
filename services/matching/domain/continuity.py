"""Continuity between a rerun and what participants were told: pure, no I/O.

A run's solution is mapped onto the published hubs (largest overlap keeps the published hub's id,
so its meetings, observations and history stay with it), the coordinator's standing decisions are
applied on top (a move, a leader swap, a manual pairing hold until the coordinator releases them),
and the difference from what is published is computed: who would move, which hubs would form,
change or dissolve.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from services.matching.domain.placement_model import Hub, Mentor, Pairing, Teacher

DecisionKind = Literal["member", "leader", "not_leader", "pairing", "unpaired", "coach"]


@dataclass(frozen=True)
class Decision:
    """A coordinator's standing decision: ``member`` (participant stays in hub), ``leader``
    (participant leads hub), ``not_leader`` (participant does not lead hub), ``pairing`` (teacher's
    one-to-one mentor is ``mentor_id``), ``unpaired`` (teacher has no one-to-one mentor), ``coach``
    (a board coach or consultant supports hub: kept with the hub's id, no seat, no solver input)."""

    kind: DecisionKind
    participant_id: str
    hub_id: str | None = None
    mentor_id: str | None = None


def map_onto(published: Sequence[Hub], solution: Sequence[Hub]) -> dict[str, str]:
    """Solution hub key → published hub id, by largest overlap of people (members and leaders)
    first, greedily; each published hub is claimed at most once, only by a hub of its track and
    language. Ties go to the smaller ids, so the mapping is deterministic."""
    candidates: list[tuple[int, int, str, str]] = []
    for new in solution:
        people = set(new.members) | set(new.leaders)
        for old in published:
            if (old.track, old.language) != (new.track, new.language):
                continue
            members = len(set(new.members) & set(old.members))
            everyone = len(people & (set(old.members) | set(old.leaders)))
            if everyone:
                candidates.append((-members, -everyone, new.hub_key, old.hub_key))
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    for _, _, new_key, old_key in sorted(candidates):
        if new_key in mapping or old_key in claimed:
            continue
        mapping[new_key] = old_key
        claimed.add(old_key)
    return mapping


def rekey(solution: Sequence[Hub], mapping: Mapping[str, str]) -> list[Hub]:
    """The solution's hubs under their published ids where they map onto one."""
    return [replace(h, hub_key=mapping.get(h.hub_key, h.hub_key)) for h in solution]


def apply_decisions(
    hubs: Sequence[Hub], decisions: Iterable[Decision], *, leaders_per_hub: int = 2
) -> tuple[list[Hub], list[Decision]]:
    """Apply the standing hub decisions (member, leader, not_leader) to the drafted hubs. Returns the
    hubs and the decisions that could not be applied (their hub is not in the draft); a locked hub
    is never changed."""
    by_key = {h.hub_key: h for h in hubs}
    order = [h.hub_key for h in hubs]
    skipped: list[Decision] = []

    def set_hub(hub: Hub) -> None:
        by_key[hub.hub_key] = hub

    decisions = list(decisions)
    for decision in (d for d in decisions if d.kind == "member"):
        target = by_key.get(decision.hub_id or "")
        if target is None or target.locked:
            if target is None:
                skipped.append(decision)
            continue
        pid = decision.participant_id
        for key, hub in list(by_key.items()):
            if pid in hub.members and key != target.hub_key and not hub.locked:
                set_hub(replace(hub, members=tuple(m for m in hub.members if m != pid)))
        target = by_key[target.hub_key]
        if pid not in target.members:
            set_hub(replace(target, members=tuple(sorted((*target.members, pid)))))
    pinned_leaders: dict[str, set[str]] = {}
    for decision in (d for d in decisions if d.kind == "leader"):
        pinned_leaders.setdefault(decision.hub_id or "", set()).add(decision.participant_id)
    excluded: dict[str, set[str]] = {}
    for decision in (d for d in decisions if d.kind == "not_leader"):
        excluded.setdefault(decision.hub_id or "", set()).add(decision.participant_id)
    for key in sorted(set(pinned_leaders) | set(excluded)):
        found = by_key.get(key)
        if found is None:
            skipped.extend(
                d
                for d in decisions
                if d.kind in ("leader", "not_leader") and d.hub_id == key and key not in by_key
            )
            continue
        if found.locked:
            continue
        hub = found
        pinned = pinned_leaders.get(key, set())
        leaders = [m for m in hub.leaders if m not in excluded.get(key, set())]
        for pid in sorted(pinned - set(leaders)):
            if len(leaders) >= leaders_per_hub:
                # Give up an unpinned leader (the last in order) for the coordinator's choice.
                free = [m for m in leaders if m not in pinned]
                if free:
                    leaders.remove(free[-1])
            leaders.append(pid)
        set_hub(replace(hub, leaders=tuple(sorted(leaders))))
    return [by_key[k] for k in order if by_key[k].members or by_key[k].leaders], skipped


@dataclass(frozen=True)
class HubChange:
    hub_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Move:
    participant_id: str
    from_hub_id: str | None
    to_hub_id: str | None


@dataclass(frozen=True)
class Difference:
    """What publishing a draft would change for participants."""

    formed: tuple[str, ...] = ()
    changed: tuple[HubChange, ...] = ()
    dissolved: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    moves: tuple[Move, ...] = ()
    pairings_changed: tuple[str, ...] = ()  # teacher ids whose mentor would change (or be new)
    pairings_ended: tuple[str, ...] = ()
    unplaced_changed: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not (
            self.formed
            or self.changed
            or self.dissolved
            or self.moves
            or self.pairings_changed
            or self.pairings_ended
            or self.unplaced_changed
        )


def _people(hub: Hub) -> set[str]:
    return set(hub.members) | set(hub.leaders)


def difference(
    published: Sequence[Hub],
    draft: Sequence[Hub],
    *,
    published_pairings: Mapping[str, str] | None = None,
    draft_pairings: Mapping[str, str] | None = None,
    published_unplaced: Mapping[str, str] | None = None,
    draft_unplaced: Mapping[str, str] | None = None,
) -> Difference:
    """The difference between the published hubs (and pairings, unplaced reasons) and a draft."""
    old = {h.hub_key: h for h in published}
    new = {h.hub_key: h for h in draft}
    formed = sorted(k for k in new if k not in old)
    dissolved = sorted(k for k in old if k not in new)
    changed: list[HubChange] = []
    unchanged: list[str] = []
    for key in sorted(k for k in new if k in old):
        a, b = old[key], new[key]
        if (set(a.members), set(a.leaders)) == (set(b.members), set(b.leaders)):
            unchanged.append(key)
            continue
        changed.append(
            HubChange(key, tuple(sorted(_people(b) - _people(a))), tuple(sorted(_people(a) - _people(b))))
        )
    where_old = {m: h.hub_key for h in published for m in h.members}
    where_new = {m: h.hub_key for h in draft for m in h.members}
    moves = tuple(
        Move(pid, where_old.get(pid), where_new.get(pid))
        for pid in sorted(set(where_old) | set(where_new))
        if where_old.get(pid) != where_new.get(pid)
    )
    old_pairs = dict(published_pairings or {})
    new_pairs = dict(draft_pairings or {})
    old_unplaced = dict(published_unplaced or {})
    new_unplaced = dict(draft_unplaced or {})
    return Difference(
        formed=tuple(formed),
        changed=tuple(changed),
        dissolved=tuple(dissolved),
        unchanged=tuple(unchanged),
        moves=moves,
        pairings_changed=tuple(sorted(t for t, m in new_pairs.items() if old_pairs.get(t) != m)),
        pairings_ended=tuple(sorted(t for t in old_pairs if t not in new_pairs)),
        unplaced_changed=tuple(sorted(p for p, r in new_unplaced.items() if old_unplaced.get(p) != r)),
    )


def keep_pairings(
    published: Mapping[str, str],
    solution: Sequence[Pairing],
    decisions: Iterable[Decision],
    teachers: Mapping[str, Teacher],
    mentors: Mapping[str, Mentor],
) -> list[Pairing]:
    """One-to-one pairings of a draft: standing decisions first, then every published pairing whose
    teacher and mentor are still in the program (nobody is re-paired without a reason), then the
    solution's pairings for teachers who have none, within each mentor's remaining capacity."""
    decided = {d.participant_id: d for d in decisions if d.kind in ("pairing", "unpaired")}
    used: dict[str, int] = {}
    out: dict[str, Pairing] = {}

    def take(teacher_id: str, mentor_id: str, why: str) -> None:
        out[teacher_id] = Pairing(teacher_id, mentor_id, why)
        used[mentor_id] = used.get(mentor_id, 0) + 1

    for teacher_id, decision in sorted(decided.items()):
        if decision.kind == "pairing" and teacher_id in teachers and decision.mentor_id in mentors:
            take(teacher_id, decision.mentor_id or "", "paired by the coordinator")
    for teacher_id, mentor_id in sorted(published.items()):
        if (
            teacher_id in out
            or teacher_id in decided
            or teacher_id not in teachers
            or mentor_id not in mentors
        ):
            continue
        take(teacher_id, mentor_id, "kept from the published pairings")
    for pairing in solution:
        if pairing.teacher_id in out or pairing.teacher_id in decided:
            continue
        mentor = mentors.get(pairing.mentor_id)
        if mentor is None or used.get(mentor.participant_id, 0) >= mentor.one_to_one_capacity:
            continue
        take(pairing.teacher_id, pairing.mentor_id, pairing.explanation)
    return [out[t] for t in sorted(out)]


def fingerprint(teachers: Iterable[Teacher], mentors: Iterable[Mentor], *parts: object) -> str:
    """A digest of everything a run's solution depends on: same digest, nothing new to decide."""
    digest = hashlib.sha256()
    for teacher in sorted(teachers, key=lambda t: t.participant_id):
        digest.update(repr(teacher).encode())
    for mentor in sorted(mentors, key=lambda m: m.participant_id):
        digest.update(repr(mentor).encode())
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


def state_digest(hubs: Iterable[Hub], pairings: Mapping[str, str]) -> str:
    """A digest of a published state (hub ids, members, leaders, pairings), to tell a stale draft."""
    digest = hashlib.sha256()
    for hub in sorted(hubs, key=lambda h: h.hub_key):
        digest.update(f"{hub.hub_key}|{sorted(hub.members)}|{sorted(hub.leaders)}".encode())
    for teacher_id, mentor_id in sorted(pairings.items()):
        digest.update(f"{teacher_id}>{mentor_id}".encode())
    return digest.hexdigest()
