"""Which teachers may share a hub, and which theme and grade band each hub gets.

Teachers share a hub only within a partition (their board, or their region when the board shares
hubs across the region's boards; their language; their track). Within one, hubs are labelled by
(theme, grade band): either groups of teachers with the same first-listed theme and band, small
groups merged into their nearest neighbour and hubs shared among groups in proportion to their size,
or labels chosen greedily by popularity; then everyone is seated in the label they fit best and each
hub takes the label its members fit best, until the labels settle.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.matching.domain.objective import Weights, band_fit, theme_fit
from services.matching.domain.placement_model import MatchingPolicy, Mentor, Teacher
from services.matching.domain.search import EPS, Draft
from services.matching.domain.themes import band_distance, theme_distance

PartitionKey = tuple[str, str, str]  # (board or region, language, track)


@dataclass
class ThemeGroup:
    """Teachers who share a first-listed theme and grade band (after small groups were merged in)."""

    theme: str
    band: str | None
    members: list[Teacher] = field(default_factory=list)


def scope_of(board: str, region: str | None, policy: MatchingPolicy) -> str:
    """Where someone's hub is drawn from: their board, or their region when the board shares hubs
    across the region's boards."""
    return f"region:{region}" if policy.share_across_boards_in_region and region else board


def partition_of(teacher: Teacher, policy: MatchingPolicy) -> PartitionKey:
    """The teachers a teacher may share a hub with: same scope, language and track."""
    return (scope_of(teacher.board, teacher.region, policy), teacher.language, teacher.track)


def mentor_partition(mentor: Mentor, policy: MatchingPolicy) -> PartitionKey:
    """The teachers a mentor may lead: same scope, language and track."""
    return (scope_of(mentor.board, mentor.region, policy), mentor.language, mentor.track)


def cluster(teachers: Sequence[Teacher], policy: MatchingPolicy) -> list[ThemeGroup]:
    """Group by (primary theme, grade band); merge groups below the minimum into their closest
    neighbour (closest theme first, then grade band) rather than leave anyone out."""
    buckets: dict[tuple[str, str | None], list[Teacher]] = defaultdict(list)
    for teacher in teachers:
        buckets[(teacher.primary_theme, teacher.grade_band)].append(teacher)
    groups = [
        ThemeGroup(theme, band, members)
        for (theme, band), members in sorted(buckets.items(), key=_bucket_order)
    ]
    while len(groups) > 1:
        small = [g for g in groups if len(g.members) < policy.min_hub_size]
        if not small:
            break
        group = min(small, key=lambda g: (len(g.members), g.theme, g.band or ""))
        target = min(
            (g for g in groups if g is not group),
            key=lambda g: (
                # Another theme costs more than any band (objective.py): the same theme first.
                group.theme != g.theme,
                theme_distance(group.theme, g.theme),
                band_distance(group.band, g.band),
                -len(g.members),
                g.theme,
                g.band or "",
            ),
        )
        target.members.extend(group.members)
        groups.remove(group)
    return groups


def _bucket_order(item: tuple[tuple[str, str | None], list[Teacher]]) -> tuple[int, str, str]:
    (theme, band), members = item
    return (-len(members), theme, band or "")


def allocate_hubs(groups: list[ThemeGroup], k: int) -> list[ThemeGroup]:
    """Share ``k`` hubs among the theme/band groups in proportion to their size (largest
    remainders), so that as many hubs as the leaders allow are formed."""
    total = sum(len(g.members) for g in groups)
    quotas = [len(g.members) * k / total for g in groups]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(groups)), key=lambda i: (-(quotas[i] - counts[i]), -len(groups[i].members), i))
    for i in order[: k - sum(counts)]:
        counts[i] += 1
    per_hub = [len(g.members) / c if c else 0.0 for g, c in zip(groups, counts, strict=True)]
    labels = [(i, groups[i]) for i in range(len(groups)) for _ in range(counts[i])]
    # Fuller groups get the larger hubs.
    labels.sort(key=lambda item: (-per_hub[item[0]], item[0]))
    return [g for _, g in labels]


def popular_labels(
    teachers: Sequence[Teacher], k: int, policy: MatchingPolicy, weights: Weights
) -> list[tuple[str, str | None]]:
    """``k`` labels chosen greedily: each time the (theme, band) that the best-fitting hub-full of
    still uncovered teachers fits most."""
    themes = sorted({th for t in teachers for th in (t.primary_theme, *t.themes)})
    bands = sorted({t.grade_band for t in teachers}, key=lambda b: b or "")
    size = max(policy.min_hub_size, len(teachers) // k)
    uncovered = set(range(len(teachers)))
    fit = {
        (th, b): [
            weights.theme * theme_fit(t, th, weights) + weights.band * band_fit(t, b, weights)
            for t in teachers
        ]
        for th in themes
        for b in bands
    }
    labels: list[tuple[str, str | None]] = []
    for _ in range(k):
        pool = sorted(uncovered) or list(range(len(teachers)))

        def value(label: tuple[str, str | None], pool: list[int] = pool) -> float:
            return sum(heapq.nlargest(size, (fit[label][t] for t in pool)))

        label = max(sorted(fit, key=lambda lb: (lb[0], lb[1] or "")), key=value)
        labels.append(label)
        chosen = heapq.nsmallest(size, pool, key=lambda t: (-fit[label][t], t))
        uncovered -= set(chosen)
    return labels


def _assign(draft: Draft) -> list[int]:
    """Seat every teacher in a hub of the label they fit best, most decided teachers first, away from
    their school's colleagues; returns the teachers no seat was left for."""
    labels = sorted({(h.theme, h.band) for h in draft.hubs}, key=lambda lb: (lb[0], lb[1] or ""))
    by_label: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index, hub in enumerate(draft.hubs):
        by_label[(hub.theme, hub.band)].append(index)
    fits = [[draft.label_fit(t, *label) for label in labels] for t in range(len(draft.teachers))]

    def decided(t: int) -> tuple[float, float, int]:
        ranked = sorted(fits[t], reverse=True)
        second = ranked[1] if len(ranked) > 1 else 0.0
        return (-(ranked[0] - second), -ranked[0], t)

    left: list[int] = []
    for t in sorted(range(len(draft.teachers)), key=decided):
        for choice in sorted(range(len(labels)), key=lambda i: (-fits[t][i], i)):
            free = [h for h in by_label[labels[choice]] if len(draft.hubs[h].members) < draft.hubs[h].target]
            if free:
                school = draft.school[t]
                draft.add(
                    min(free, key=lambda h: (draft.hubs[h].schools[school], len(draft.hubs[h].members), h)), t
                )
                break
        else:
            left.append(t)
    return left


def settle_labels(draft: Draft, rounds: int = 6) -> list[int]:
    """Seat everyone, give each hub the label its members fit best, and seat everyone again under
    the new labels, until the labels settle (k-means style); keeps the best seating seen."""
    best: tuple[float, list[tuple[str, str | None, list[int]]], list[int]] | None = None
    for _ in range(rounds):
        for t in range(len(draft.teachers)):
            if draft.hub_of[t] is not None:
                draft.remove(t)
        left = _assign(draft)
        for hub in draft.hubs:
            draft.rescore(hub)
        total = sum(h.value for h in draft.hubs)
        if best is None or total > best[0] + EPS:
            best = (total, [(h.theme, h.band, list(h.members)) for h in draft.hubs], left)
        if not any([draft.relabel(h) for h in draft.hubs]):
            break
    assert best is not None
    for t in range(len(draft.teachers)):
        if draft.hub_of[t] is not None:
            draft.remove(t)
    for index, (theme, band, members) in enumerate(best[1]):
        hub = draft.hubs[index]
        hub.theme, hub.band = theme, band
        for t in members:
            draft.add(index, t)
        draft.rescore(hub)
    return best[2]
