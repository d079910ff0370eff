"""Forming mentoring hubs: 6–8 new teachers sharing a theme and grade band, two non-evaluative leaders.

Deterministic (inputs are sorted by id first), greedy with a bounded local-search pass, fast enough
for a province. Every teacher ends in exactly one hub or in ``unplaced`` with a reason.

This module runs the steps in order, one partition at a time: hubs labelled and seated
(:mod:`clustering`), improved by local search (:mod:`search`), led (:mod:`hub_leaders`); people
left out join a hub with room (:mod:`late_joiners`) or are told why; one-to-one pairings last
(:mod:`pairing`). :mod:`invariants` checks the hard rules on the result.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace

from services.matching.domain.clustering import (
    PartitionKey,
    allocate_hubs,
    cluster,
    mentor_partition,
    partition_of,
    popular_labels,
    settle_labels,
)
from services.matching.domain.explaining import hub_sentence, label, plural
from services.matching.domain.hub_leaders import choose_leaders, improve_leaders, max_hubs
from services.matching.domain.invariants import check_hard_constraints
from services.matching.domain.late_joiners import place_into, place_late_joiner
from services.matching.domain.objective import DEFAULT_WEIGHTS, Weights, one_alike_ids, score_solution
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

# The entry points callers use, wherever they are implemented.
__all__ = [
    "check_hard_constraints",
    "form_hubs",
    "max_hubs",
    "mentor_partition",
    "pair_one_to_one",
    "partition_of",
    "place_late_joiner",
]

LARGE_PARTITION = 300  # teachers
SWAP_LEADERS_UP_TO = 40  # hubs: exchanging leaders between every pair of hubs is quadratic
# teachers: smaller partitions try two labellings and two hub counts, keeping the best
MULTI_START_UP_TO = 60
# teachers: up to this size labels are chosen greedily by popularity (bench: +3 % at 120 teachers);
# larger partitions start from (theme, band) clusters (better from 300 on, and cheaper)
POPULAR_START_UP_TO = 150

Why = tuple[str, tuple[Fact, ...]]  # an unplaced person's reason: English text and facts


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
            placed = place_into(teacher, hubs, mentor_by_id, policy, teacher_by_id)
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
            starts.append((k, popular_labels(teachers, k, policy, weights)))
    if n <= MULTI_START_UP_TO or n > POPULAR_START_UP_TO:
        for k in [near] if n > MULTI_START_UP_TO else sorted({near, most}):
            starts.append((k, [(g.theme, g.band) for g in allocate_hubs(cluster(teachers, policy), k)]))
    best: tuple[float, list[Hub], list[tuple[Teacher, Why]], dict[str, int]] | None = None
    for k, labels in starts:
        trial = dict(capacity)
        score, hubs, left = _attempt(teachers, mentors, trial, policy, key, weights, one_alike, k, labels)
        if best is None or score > best[0] + EPS:
            best = (score, hubs, left, trial)
    assert best is not None
    capacity.update(best[3])
    return best[1], best[2]


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
    left = settle_labels(draft)
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
    leaderless, taken_out = choose_leaders(draft, capacity)
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
        better_led = improve_leaders(draft, capacity, swaps=len(draft.hubs) <= SWAP_LEADERS_UP_TO)
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


def _explained(hub: Hub, teachers: dict[str, Teacher], mentors: dict[str, Mentor]) -> Hub:
    """The hub with its explanation recounted from its members now."""
    if not any(m in teachers for m in hub.members):
        return hub
    return replace(hub, explanation=hub_sentence(hub, teachers, mentors))


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
