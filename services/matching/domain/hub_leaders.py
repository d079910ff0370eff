"""Hub leaders: two mentors per hub who evaluate none of its members, within each mentor's capacity.

Leaders are chosen hardest hub first, by expertise in the hub's theme, then closeness of grade band,
then capacity left; a mentor who evaluates a member is never a leader of that hub (the member is
swapped into another hub or taken out instead). Afterwards a free mentor who knows the theme better
replaces a leader, or two hubs exchange leaders, whenever the leaders' fit rises.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.matching.domain.objective import leader_fit
from services.matching.domain.placement_model import Mentor
from services.matching.domain.search import EPS, Draft, DraftHub
from services.matching.domain.themes import band_distance


def leader_order(
    mentor: Mentor, theme: str, band: str | None, capacity: dict[str, int]
) -> tuple[float, int, int, str]:
    """How well ``mentor`` suits leading a hub of ``theme`` and ``band``, as a sort key (best first):
    expertise in the theme, then closeness of grade band, then capacity left, then id."""
    return (
        -leader_fit(mentor, theme),
        band_distance(mentor.grade_band, band),
        -capacity.get(mentor.participant_id, 0),
        mentor.participant_id,
    )


def max_hubs(capacities: Iterable[int], leaders_per_hub: int) -> int:
    """How many hubs mentors with these capacities can lead, each hub with distinct leaders:
    the largest k with sum(min(capacity, k)) >= leaders_per_hub * k."""
    caps = [c for c in capacities if c > 0]
    k = sum(caps) // leaders_per_hub
    while k > 0 and sum(min(c, k) for c in caps) < leaders_per_hub * k:
        k -= 1
    return k


def choose_leaders(draft: Draft, capacity: dict[str, int]) -> tuple[list[int], list[int]]:
    """Lead every hub of ``draft``: ``policy.leaders_per_hub`` mentors (two by default) with
    capacity left in ``capacity`` (spent here), none evaluating a member, hardest hubs (fewest
    eligible mentors) first, best by :func:`leader_order`. When an evaluator blocks the hub, the
    teachers they evaluate are swapped into another hub, or (if the hub stays within bounds) taken
    out to be placed elsewhere. Returns the hubs nobody can lead and the teachers taken out."""
    mentors = draft.mentors
    need = draft.policy.leaders_per_hub

    def eligible(h: DraftHub) -> list[int]:
        banned = set().union(*(draft.evaluators[t] for t in h.members)) if h.members else set()
        return [
            m
            for m in range(len(mentors))
            if capacity.get(mentors[m].participant_id, 0) > 0 and m not in banned
        ]

    distances: dict[tuple[str | None, str | None], int] = {}

    def order(m: int, h: DraftHub) -> tuple[float, int, int, str]:
        mentor = mentors[m]
        bands = (mentor.grade_band, h.band)
        distance = distances.get(bands)
        if distance is None:
            distance = distances[bands] = band_distance(*bands)
        return (
            -draft.lfit(m, h.theme),
            distance,
            -capacity.get(mentor.participant_id, 0),
            mentor.participant_id,
        )

    leaderless: list[int] = []
    taken_out: list[int] = []
    pending = sorted(range(len(draft.hubs)), key=lambda i: (len(eligible(draft.hubs[i])), i))
    for index in pending:
        hub = draft.hubs[index]
        for _ in range(3):
            chosen = sorted(eligible(hub), key=lambda m: order(m, hub))
            if len(chosen) >= need:
                break
            blocked = sorted(
                (
                    m
                    for m in range(len(mentors))
                    if capacity.get(mentors[m].participant_id, 0) > 0 and m not in chosen
                ),
                key=lambda m: order(m, hub),
            )
            if not blocked:
                break
            if not _swap_out(draft, index, blocked[0]):
                evaluated = [t for t in hub.members if blocked[0] in draft.evaluators[t]]
                if len(hub.members) - len(evaluated) < draft.policy.min_hub_size:
                    break
                for t in evaluated:
                    draft.remove(t)
                    taken_out.append(t)
        else:
            chosen = sorted(eligible(hub), key=lambda m: order(m, hub))
        if len(chosen) < need:
            leaderless.append(index)
            continue
        hub.leaders = chosen[:need]
        for m in hub.leaders:
            capacity[mentors[m].participant_id] -= 1
        draft.rescore(hub)
    return leaderless, taken_out


def improve_leaders(draft: Draft, capacity: dict[str, int], *, swaps: bool) -> bool:
    """Give each hub leaders who know its theme better: a free mentor replaces a leader, or two hubs
    exchange leaders (``swaps``; quadratic in hubs), when the leaders' fit rises and nobody leads
    someone they evaluate. Capacity is kept in ``capacity``; returns whether any leader changed."""
    mentors = draft.mentors
    changed = False

    def banned(h: DraftHub) -> set[int]:
        return set().union(*(draft.evaluators[t] for t in h.members)) if h.members else set()

    for hub in draft.hubs:
        if not hub.members or not hub.leaders:
            continue
        excluded = banned(hub) | set(hub.leaders)
        for slot, current in enumerate(list(hub.leaders)):
            free = [
                m
                for m in range(len(mentors))
                if m not in excluded and capacity.get(mentors[m].participant_id, 0) > 0
            ]
            if not free:
                break
            best = max(free, key=lambda m: (draft.lfit(m, hub.theme), -m))
            if draft.lfit(best, hub.theme) > draft.lfit(current, hub.theme) + EPS:
                capacity[mentors[current].participant_id] += 1
                capacity[mentors[best].participant_id] -= 1
                hub.leaders[slot] = best
                excluded = (excluded - {current}) | {best}
                draft.rescore(hub)
                changed = True
    if not swaps:
        return changed
    for a_index, a in enumerate(draft.hubs):
        for b in draft.hubs[a_index + 1 :]:
            if not a.leaders or not b.leaders:
                continue
            for i, x in enumerate(list(a.leaders)):
                for j, y in enumerate(list(b.leaders)):
                    if x in b.leaders or y in a.leaders or x in banned(b) or y in banned(a):
                        continue
                    gain = (
                        draft.lfit(y, a.theme)
                        + draft.lfit(x, b.theme)
                        - draft.lfit(x, a.theme)
                        - draft.lfit(y, b.theme)
                    )
                    if gain > EPS:
                        a.leaders[i], b.leaders[j] = y, x
                        draft.rescore(a)
                        draft.rescore(b)
                        changed = True
                        break
    return changed


def _swap_out(draft: Draft, index: int, mentor: int) -> bool:
    """Swap every member of hub ``index`` whom ``mentor`` evaluates with someone of another hub who
    is free to join (the least costly swap each time); False if one of them cannot move."""
    hub = draft.hubs[index]
    for t in [t for t in hub.members if mentor in draft.evaluators[t]]:
        best: tuple[float, int, int] | None = None
        for y, other in enumerate(draft.hubs):
            if y == index or not other.members or not draft.may_join(t, other):
                continue
            for u in other.members:
                if mentor in draft.evaluators[u] or not draft.may_join(u, hub):
                    continue
                gain = draft.value_after(hub, t, u) + draft.value_after(other, u, t) - hub.value - other.value
                if best is None or gain > best[0] + EPS:
                    best = (gain, y, u)
        if best is None:
            return False
        _, y, u = best
        draft.remove(t)
        draft.remove(u)
        draft.add(index, u)
        draft.add(y, t)
    return True
