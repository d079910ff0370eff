"""Forming mentoring hubs: 6–8 new teachers sharing a theme and grade band, two non-evaluative leaders.

Deterministic (inputs are sorted by id first), greedy with a bounded local-search pass, fast enough
for a province. Every teacher ends in exactly one hub or in ``unplaced`` with a reason.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from services.matching.domain.explaining import hub_sentence, label, plural
from services.matching.domain.objective import (
    DEFAULT_WEIGHTS,
    Weights,
    band_fit,
    leader_fit,
    one_alike_ids,
    score_solution,
    theme_fit,
    theme_rank,
)
from services.matching.domain.pairing import pair_new_school_leaders, pair_one_to_one
from services.matching.domain.placement_model import (
    Fact,
    Hub,
    MatchingPolicy,
    MatchingResult,
    Mentor,
    Pairing,
    Teacher,
    Unplaced,
    fact,
    hub_key,
)
from services.matching.domain.search import EPS, Draft, DraftHub
from services.matching.domain.themes import band_distance, theme_distance

PartitionKey = tuple[str, str, str]  # (board or region, language, track)
LARGE_PARTITION = 300  # teachers
SWAP_LEADERS_UP_TO = 40  # hubs: exchanging leaders between every pair of hubs is quadratic
# teachers: smaller partitions try two labellings and two hub counts, keeping the best
MULTI_START_UP_TO = 60
# teachers: up to this size labels are chosen greedily by popularity (bench: +3 % at 120 teachers);
# larger partitions start from (theme, band) clusters (better from 300 on, and cheaper)
POPULAR_START_UP_TO = 150


@dataclass
class _Group:
    theme: str
    band: str | None
    members: list[Teacher] = field(default_factory=list)


def _scope(board: str, region: str | None, policy: MatchingPolicy) -> str:
    return f"region:{region}" if policy.share_across_boards_in_region and region else board


def partition_of(teacher: Teacher, policy: MatchingPolicy) -> PartitionKey:
    return (_scope(teacher.board, teacher.region, policy), teacher.language, teacher.track)


def mentor_partition(mentor: Mentor, policy: MatchingPolicy) -> PartitionKey:
    return (_scope(mentor.board, mentor.region, policy), mentor.language, mentor.track)


def cluster(teachers: Sequence[Teacher], policy: MatchingPolicy) -> list[_Group]:
    """Group by (primary theme, grade band); merge groups below the minimum into their closest
    neighbour (closest theme first, then grade band) rather than leave anyone out."""
    buckets: dict[tuple[str, str | None], list[Teacher]] = defaultdict(list)
    for teacher in teachers:
        buckets[(teacher.primary_theme, teacher.grade_band)].append(teacher)
    groups = [
        _Group(theme, band, members) for (theme, band), members in sorted(buckets.items(), key=_bucket_order)
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


def _leader_order(
    mentor: Mentor, theme: str, band: str | None, capacity: dict[str, int]
) -> tuple[float, int, int, str]:
    return (
        -leader_fit(mentor, theme),
        band_distance(mentor.grade_band, band),
        -capacity.get(mentor.participant_id, 0),
        mentor.participant_id,
    )


def _make_hub(members: list[Teacher], leaders: list[Mentor], theme: str, band: str | None) -> Hub:
    first = members[0]
    ids = tuple(sorted(t.participant_id for t in members))
    flags = tuple(f"leader {m.participant_id} needs foundational training" for m in leaders if not m.trained)
    hub = Hub(
        hub_key=hub_key(first.board, theme, band, ids),
        board=first.board,
        theme=theme,
        grade_band=band,
        language=first.language,
        track=first.track,
        members=ids,
        leaders=tuple(sorted(m.participant_id for m in leaders)),
        flags=flags,
    )
    return replace(
        hub,
        explanation=hub_sentence(
            hub, {t.participant_id: t for t in members}, {m.participant_id: m for m in leaders}
        ),
    )


def form_hubs(
    teachers: Iterable[Teacher],
    mentors: Iterable[Mentor],
    policy: MatchingPolicy | None = None,
    *,
    locked_hubs: Iterable[Hub] = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchingResult:
    """Form hubs for everyone not in a locked hub. Same input (in any order) → same hubs."""
    policy = policy or MatchingPolicy()
    all_teachers = sorted(teachers, key=lambda t: t.participant_id)
    all_mentors = sorted(mentors, key=lambda m: m.participant_id)
    teacher_by_id = {t.participant_id: t for t in all_teachers}
    mentor_by_id = {m.participant_id: m for m in all_mentors}
    locked = sorted(locked_hubs, key=lambda h: h.hub_key)
    capacity = {m.participant_id: m.hub_capacity for m in all_mentors}
    for hub in locked:
        for leader in hub.leaders:
            capacity[leader] = capacity.get(leader, 0) - 1
    in_locked = {m for h in locked for m in h.members}

    partitions: dict[PartitionKey, list[Teacher]] = defaultdict(list)
    for teacher in all_teachers:
        if teacher.participant_id not in in_locked:
            partitions[partition_of(teacher, policy)].append(teacher)
    mentors_by_partition: dict[PartitionKey, list[Mentor]] = defaultdict(list)
    for mentor in all_mentors:
        mentors_by_partition[mentor_partition(mentor, policy)].append(mentor)

    one_alike = one_alike_ids(all_teachers)
    hubs: list[Hub] = []
    unplaced: list[Unplaced] = []
    for key in sorted(partitions):
        formed, left = _form_partition(
            partitions[key], mentors_by_partition.get(key, []), capacity, policy, key, weights, one_alike
        )
        hubs.extend(formed)
        # Teachers left out (evaluator conflicts, too few leaders) join a hub with room if one fits.
        for teacher, why in left:
            placed = _place_into(teacher, hubs, mentor_by_id, policy, teacher_by_id)
            if placed is None:
                unplaced.append(Unplaced(teacher.participant_id, why[0], why[1]))
            else:
                hubs[placed[0]] = _explained(placed[1], teacher_by_id, mentor_by_id)
    result_hubs = tuple(locked) + tuple(sorted(hubs, key=lambda h: h.hub_key))
    pairings: list[Pairing] = []
    if policy.pair_one_to_one:
        pairings = pair_one_to_one(all_teachers, all_mentors)
    # New school leaders too few for a hub are never left alone: an experienced school leader
    # mentors them one to one (from one-to-one places, or hub places nobody used).
    waiting = [teacher_by_id[u.participant_id] for u in unplaced if u.participant_id in teacher_by_id]
    led = Counter(m for h in result_hubs for m in h.leaders)
    pairings += pair_new_school_leaders(waiting, all_mentors, led)

    objective = score_solution(result_hubs, len(unplaced), teacher_by_id, mentor_by_id, weights)
    return MatchingResult(
        hubs=result_hubs,
        unplaced=tuple(sorted(unplaced, key=lambda u: u.participant_id)),
        pairings=tuple(sorted(pairings, key=lambda p: p.teacher_id)),
        objective=objective,
    )


def max_hubs(capacities: Iterable[int], leaders_per_hub: int) -> int:
    """How many hubs mentors with these capacities can lead, each hub with distinct leaders:
    the largest k with sum(min(capacity, k)) >= leaders_per_hub * k."""
    caps = [c for c in capacities if c > 0]
    k = sum(caps) // leaders_per_hub
    while k > 0 and sum(min(c, k) for c in caps) < leaders_per_hub * k:
        k -= 1
    return k


Why = tuple[str, tuple[Fact, ...]]  # an unplaced person's reason: English text and facts


def _who(track: str, count: int) -> str:
    return plural(count, "new school leader") if track == "school_leaders" else plural(count, "teacher")


def _too_few(count: int, language: str, scope: str, track: str, policy: MatchingPolicy) -> Why:
    text = (
        f"only {_who(track, count)} in {language} in {scope} without a hub: a hub needs at "
        f"least {policy.min_hub_size}"
    )
    if track == "school_leaders":
        text += (
            "; an experienced school leader mentors them one to one where one has room "
            "(or share hubs across the region's boards)"
        )
    return text, (fact("too_few_for_hub", count=count, needed=policy.min_hub_size),)


def _no_leaders(
    available: int, conflicts: int, theme: str | None, key: PartitionKey, policy: MatchingPolicy
) -> Why:
    scope, language, track = key
    what = f" for {label(theme)}" if theme else ""
    who = "school-leader mentor" if track == "school_leaders" else "mentor"
    text = f"no {policy.leaders_per_hub} eligible hub leaders{what} ({language}, {scope}): "
    if conflicts:
        text += f"{plural(conflicts, who)} with capacity left, each evaluating a member"
    else:
        text += f"only {plural(available, who)} with capacity left"
    values: dict[str, int | str] = {"mentors": available, "needed": policy.leaders_per_hub}
    if conflicts:
        values["evaluating"] = conflicts
    return text, (fact("no_trained_leader", **values),)


def _allocate(groups: list[_Group], k: int) -> list[_Group]:
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


def _settle_labels(draft: Draft, rounds: int = 6) -> list[int]:
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


def _choose_draft_leaders(draft: Draft, capacity: dict[str, int]) -> tuple[list[int], list[int]]:
    """Two non-evaluative leaders per hub, hardest hubs first. When an evaluator blocks the hub,
    the teachers they evaluate are swapped into another hub, or (if the hub stays within bounds)
    taken out to be placed elsewhere. Returns the hubs nobody can lead and the teachers taken out."""
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


def _improve_leaders(draft: Draft, capacity: dict[str, int], *, swaps: bool) -> bool:
    """Give each hub leaders who know its theme better: a free mentor replaces a leader, or two hubs
    exchange leaders, when the leaders' fit rises and nobody leads someone they evaluate."""
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


def _form_partition(
    teachers: list[Teacher],
    mentors: list[Mentor],
    capacity: dict[str, int],
    policy: MatchingPolicy,
    key: PartitionKey,
    weights: Weights = DEFAULT_WEIGHTS,
    one_alike: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Hub], list[tuple[Teacher, Why]]]:
    """Form one partition's hubs: about one per preferred size of teachers (as many as the leaders
    allow), labelled by theme/band groups, seated greedily, improved by local search, then led."""
    scope, language, track = key
    if len(teachers) < policy.min_hub_size:
        why = _too_few(len(teachers), language, scope, track, policy)
        return [], [(t, why) for t in teachers]
    free = [capacity.get(m.participant_id, 0) for m in mentors]
    most = min(len(teachers) // policy.min_hub_size, max_hubs(free, policy.leaders_per_hub))
    if most == 0:
        why = _no_leaders(sum(1 for c in free if c > 0), 0, None, key, policy)
        return [], [(t, why) for t in teachers]
    # Hubs near the preferred size leave room to move people onto their theme both ways; a full
    # set of minimum-size hubs could only swap. Small partitions also try as many hubs as possible.
    n = len(teachers)
    near = min(most, max(math.ceil(n / policy.max_hub_size), round(n / weights.preferred_size)))
    # Which labellings to try (bench/bench_matching.py, the province's 103 partitions): labels
    # chosen greedily by popularity win on boards up to ~150 teachers; cluster labels from 300 on.
    starts: list[tuple[int, list[tuple[str, str | None]]]] = []
    if n <= POPULAR_START_UP_TO:
        for k in [near] if n > MULTI_START_UP_TO else sorted({near, most}):
            starts.append((k, _popular_labels(teachers, k, policy, weights)))
    if n <= MULTI_START_UP_TO or n > POPULAR_START_UP_TO:
        for k in [near] if n > MULTI_START_UP_TO else sorted({near, most}):
            starts.append((k, [(g.theme, g.band) for g in _allocate(cluster(teachers, policy), k)]))
    best: tuple[float, list[Hub], list[tuple[Teacher, Why]], dict[str, int]] | None = None
    for k, labels in starts:
        trial = dict(capacity)
        score, hubs, left = _attempt(teachers, mentors, trial, policy, key, weights, one_alike, k, labels)
        if best is None or score > best[0] + EPS:
            best = (score, hubs, left, trial)
    assert best is not None
    capacity.update(best[3])
    return best[1], best[2]


def _popular_labels(
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


def _attempt(
    teachers: list[Teacher],
    mentors: list[Mentor],
    capacity: dict[str, int],
    policy: MatchingPolicy,
    key: PartitionKey,
    weights: Weights,
    one_alike: set[str] | frozenset[str],
    k: int,
    labels: list[tuple[str, str | None]],
) -> tuple[float, list[Hub], list[tuple[Teacher, Why]]]:
    """Seat, improve and lead ``k`` hubs starting from ``labels``; returns the objective it
    reaches (hub scores minus unplaced teachers), the hubs and who is left out, with why."""
    scope, language, track = key
    draft = Draft(teachers, mentors, one_alike, policy, weights)
    seats = min(len(teachers), k * policy.max_hub_size)
    base, extra = divmod(seats, k)
    for i, (theme, band) in enumerate(labels):
        draft.hubs.append(DraftHub(theme, band, target=base + (1 if i < extra else 0)))
    left = _settle_labels(draft)
    # Large partitions look at fewer neighbouring hubs so a province stays well within seconds.
    neighbours = (
        30
        if len(teachers) <= 60
        else 12
        if len(teachers) <= 150
        else 8
        if len(teachers) <= LARGE_PARTITION
        else 4
    )
    draft.improve(passes=3, neighbours=neighbours)
    for hub in draft.hubs:
        draft.relabel(hub)
    need = policy.leaders_per_hub
    leader_limited = max_hubs([capacity.get(m.participant_id, 0) for m in mentors], need) < len(teachers) // (
        policy.min_hub_size
    )
    leaderless, taken_out = _choose_draft_leaders(draft, capacity)
    # Nobody left without a seat is told "all full" unless that is the cause: either the leaders
    # allow no more hubs, or too few are left over to form another one.
    reasons: dict[int, Why] = {}
    if left:
        free = [capacity.get(m.participant_id, 0) for m in mentors]
        seatless = (
            _no_leaders(sum(1 for c in free if c > 0), 0, None, key, policy)
            if leader_limited
            else _too_few(len(left), language, scope, track, policy)
        )
        reasons.update({t: seatless for t in left})
    evaluated: Why = (
        "each hub leader free for their hub evaluates them; mentorship is non-evaluative",
        (fact("no_trained_leader", evaluating=1, needed=need),),
    )
    reasons.update({t: evaluated for t in taken_out})
    if leaderless:
        available = sum(1 for m in mentors if capacity.get(m.participant_id, 0) > 0)
        for index in leaderless:
            hub = draft.hubs[index]
            why = _no_leaders(available, available if available >= need else 0, hub.theme, key, policy)
            for t in list(hub.members):
                draft.remove(t)
                reasons[t] = why
    for _ in range(3):
        relabelled = [draft.relabel(h) for h in draft.hubs if h.members]
        better_led = _improve_leaders(draft, capacity, swaps=len(draft.hubs) <= SWAP_LEADERS_UP_TO)
        draft.improve(passes=2, neighbours=neighbours)
        if not any(relabelled) and not better_led:
            break
    hubs = [
        _make_hub(
            [teachers[t] for t in h.members],
            [mentors[m] for m in h.leaders],
            h.theme,
            h.band,
        )
        for h in draft.hubs
        if h.members
    ]
    score = sum(h.value for h in draft.hubs) - weights.unplaced * len(reasons)
    return score, hubs, [(teachers[t], reasons[t]) for t in sorted(reasons)]


def _place_into(
    teacher: Teacher,
    hubs: list[Hub],
    mentors: dict[str, Mentor],
    policy: MatchingPolicy,
    teachers: dict[str, Teacher],
) -> tuple[int, Hub] | None:
    best: tuple[float, str, int] | None = None
    for index, hub in enumerate(hubs):
        if not _fits(teacher, hub, mentors, policy):
            continue
        schools = {teachers[m].school for m in hub.members if m in teachers}
        score = (
            2 * theme_fit(teacher, hub.theme)
            + band_fit(teacher, hub.grade_band)
            + (0.5 if teacher.school not in schools else 0)
        )
        score -= len(hub.members) / (10 * policy.max_hub_size)  # prefer the emptier of equal hubs
        if best is None or (score, hub.hub_key) > (best[0], best[1]):
            best = (score, hub.hub_key, index)
    if best is None:
        return None
    hub = hubs[best[2]]
    return best[2], replace(hub, members=tuple(sorted((*hub.members, teacher.participant_id))))


def _fits(teacher: Teacher, hub: Hub, mentors: dict[str, Mentor], policy: MatchingPolicy) -> bool:
    scope = _scope(teacher.board, teacher.region, policy)
    hub_scope = scope if policy.share_across_boards_in_region and teacher.region else hub.board
    return (
        not hub.locked
        and len(hub.members) < policy.max_hub_size
        and hub.language == teacher.language
        and hub.track == teacher.track
        and hub_scope == scope
        and not any(mentors[m].evaluates(teacher) for m in hub.leaders if m in mentors)
        and theme_fit(teacher, hub.theme) + band_fit(teacher, hub.grade_band) > 0
    )


def place_late_joiner(
    teacher: Teacher,
    hubs: Sequence[Hub],
    mentors: Iterable[Mentor],
    teachers: Iterable[Teacher],
    policy: MatchingPolicy | None = None,
) -> tuple[Hub, str] | Unplaced:
    """Place a teacher who registered after the run in the best hub with room, without disturbing
    existing members; returns the updated hub and an explanation, or Unplaced with the reason."""
    policy = policy or MatchingPolicy()
    mentor_by_id = {m.participant_id: m for m in mentors}
    teacher_by_id = {t.participant_id: t for t in teachers}
    teacher_by_id[teacher.participant_id] = teacher
    ordered = sorted(hubs, key=lambda h: h.hub_key)
    placed = _place_into(teacher, ordered, mentor_by_id, policy, teacher_by_id)
    if placed is None:
        return _late_unplaced(teacher, ordered, mentor_by_id, policy)
    hub = placed[1]
    rank = theme_rank(teacher, hub.theme)
    why = f"joined late: the {label(hub.theme)} hub had room ({len(hub.members)}/{policy.max_hub_size})"
    if rank == 1:
        why += "; their first learning goal"
    elif rank is not None:
        why += f"; listed as their learning goal number {rank}"
    return hub, why


def _late_unplaced(
    teacher: Teacher, hubs: Sequence[Hub], mentors: dict[str, Mentor], policy: MatchingPolicy
) -> Unplaced:
    """The true reason a late joiner has no hub: no hub of their kind, all full, or the leaders of
    the ones with room evaluate them, or none is close to their goals and grades."""
    scope = _scope(teacher.board, teacher.region, policy)
    kind = [
        h
        for h in hubs
        if h.language == teacher.language
        and h.track == teacher.track
        and (scope if policy.share_across_boards_in_region and teacher.region else h.board) == scope
    ]
    room = [h for h in kind if not h.locked and len(h.members) < policy.max_hub_size]
    evaluated = [h for h in room if any(mentors[m].evaluates(teacher) for m in h.leaders if m in mentors)]
    values: dict[str, int] = {"hubs": len(kind), "full": len(kind) - len(room)}
    if evaluated:
        values["evaluating"] = len(evaluated)
    if not kind:
        text = f"no {teacher.language} hub of their kind in {scope} yet"
    elif not room:
        text = f"all {plural(len(kind), 'hub')} of their kind in {scope} are full or locked"
    elif len(evaluated) == len(room):
        text = "no hub with room whose leaders do not evaluate them: " + (
            "the only hub with room is led by someone who evaluates them"
            if len(room) == 1
            else f"each of the {len(room)} hubs with room is led by someone who evaluates them"
        )
    else:
        text = f"none of the {plural(len(room), 'hub')} with room is close to their goals or grades"
    facts = (fact("no_hub_with_room", **values),)
    return Unplaced(
        teacher.participant_id, text + "; waiting for enough late registrants to form a new hub", facts
    )


def _explained(hub: Hub, teachers: dict[str, Teacher], mentors: dict[str, Mentor]) -> Hub:
    """The hub with its explanation recounted from its members now."""
    if not any(m in teachers for m in hub.members):
        return hub
    return replace(hub, explanation=hub_sentence(hub, teachers, mentors))


def check_hard_constraints(
    result: MatchingResult,
    teachers: Iterable[Teacher],
    mentors: Iterable[Mentor],
    policy: MatchingPolicy | None = None,
) -> list[str]:
    """Every violated hard rule, as sentences (empty when all hold)."""
    policy = policy or MatchingPolicy()
    teacher_by_id = {t.participant_id: t for t in teachers}
    mentor_by_id = {m.participant_id: m for m in mentors}
    problems: list[str] = []
    seen: Counter[str] = Counter()
    led: Counter[str] = Counter()
    for hub in result.hubs:
        if not policy.min_hub_size <= len(hub.members) <= policy.max_hub_size and not hub.locked:
            problems.append(f"hub {hub.hub_key} has {len(hub.members)} members")
        if len(set(hub.leaders)) != policy.leaders_per_hub:
            problems.append(f"hub {hub.hub_key} has {len(set(hub.leaders))} distinct leaders")
        for leader_id in hub.leaders:
            led[leader_id] += 1
            leader = mentor_by_id.get(leader_id)
            if leader is None:
                problems.append(f"hub {hub.hub_key} leader {leader_id} is not a mentor")
                continue
            if leader.language != hub.language:
                problems.append(f"hub {hub.hub_key} leader {leader_id} speaks {leader.language}")
            for member_id in hub.members:
                member = teacher_by_id.get(member_id)
                if member is not None and leader.evaluates(member):
                    problems.append(f"hub {hub.hub_key}: leader {leader_id} evaluates member {member_id}")
        for member_id in hub.members:
            seen[member_id] += 1
            member = teacher_by_id.get(member_id)
            if member is not None and member.language != hub.language:
                problems.append(f"hub {hub.hub_key} member {member_id} speaks {member.language}")
    for mentor_id, count in led.items():
        if mentor_id in mentor_by_id and count > mentor_by_id[mentor_id].hub_capacity:
            problems.append(
                f"mentor {mentor_id} leads {count} hubs, capacity {mentor_by_id[mentor_id].hub_capacity}"
            )
    problems += [f"teacher {t} is in {c} hubs" for t, c in seen.items() if c > 1]
    unplaced = {u.participant_id for u in result.unplaced}
    problems += [f"teacher {t} is both placed and unplaced" for t in unplaced if t in seen]
    problems += [f"teacher {t} is missing" for t in teacher_by_id if t not in seen and t not in unplaced]
    for pairing in result.pairings:
        mentor, teacher = mentor_by_id.get(pairing.mentor_id), teacher_by_id.get(pairing.teacher_id)
        if mentor and teacher and mentor.evaluates(teacher):
            problems.append(f"one-to-one mentor {mentor.participant_id} evaluates {teacher.participant_id}")
    return problems
