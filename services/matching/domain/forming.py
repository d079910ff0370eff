"""Forming mentoring hubs: 6–8 new teachers sharing a theme and grade band, two non-evaluative leaders.

Deterministic (inputs are sorted by id first), greedy with a bounded local-search pass, fast enough
for a province. Every teacher ends in exactly one hub or in ``unplaced`` with a reason.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from services.matching.domain.objective import (
    DEFAULT_WEIGHTS,
    Weights,
    band_fit,
    leader_fit,
    one_alike_ids,
    score_hub,
    theme_fit,
)
from services.matching.domain.placement_model import (
    Hub,
    MatchingPolicy,
    MatchingResult,
    Mentor,
    Pairing,
    Teacher,
    Unplaced,
    hub_key,
)
from services.matching.domain.themes import band_distance, theme_distance

PartitionKey = tuple[str, str, str]  # (board or region, language, track)


@dataclass
class _Group:
    theme: str
    band: str | None
    members: list[Teacher] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)


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
                2 * theme_distance(group.theme, g.theme) + band_distance(group.band, g.band),
                -len(g.members),
                g.theme,
                g.band or "",
            ),
        )
        target.members.extend(group.members)
        target.merged_from.append(f"{group.theme}/{group.band or 'any band'}")
        groups.remove(group)
    return groups


def _bucket_order(item: tuple[tuple[str, str | None], list[Teacher]]) -> tuple[int, str, str]:
    (theme, band), members = item
    return (-len(members), theme, band or "")


def split_sizes(n: int, policy: MatchingPolicy) -> list[int]:
    """Balanced hub sizes within bounds for ``n`` teachers; any remainder is returned as the last
    (negative) entry's absolute value: ``[8, 7]`` or ``[8, -1]`` (one overflow teacher)."""
    if n < policy.min_hub_size:
        return [-n] if n else []
    k = math.ceil(n / policy.max_hub_size)
    if n < k * policy.min_hub_size:
        k = n // policy.min_hub_size
    placed = min(n, k * policy.max_hub_size)
    base, extra = divmod(placed, k)
    sizes = [base + (1 if i < extra else 0) for i in range(k)]
    return sizes + ([-(n - placed)] if n > placed else [])


def _deal(
    members: list[Teacher], sizes: list[int], theme: str, band: str | None
) -> tuple[list[list[Teacher]], list[Teacher]]:
    """Deal members into hubs so that colleagues of one school land in different hubs."""
    overflow_count = -sizes[-1] if sizes and sizes[-1] < 0 else 0
    sizes = [s for s in sizes if s > 0]
    ordered = sorted(members, key=lambda t: (-theme_fit(t, theme) - band_fit(t, band), t.participant_id))
    overflow = ordered[len(ordered) - overflow_count :] if overflow_count else []
    keep = ordered[: len(ordered) - overflow_count]
    per_school = Counter(t.school for t in keep)
    keep.sort(key=lambda t: (-per_school[t.school], t.school or "", t.participant_id))
    hubs: list[list[Teacher]] = [[] for _ in sizes]
    i = 0
    for teacher in keep:
        while len(hubs[i % len(hubs)]) >= sizes[i % len(hubs)]:
            i += 1
        hubs[i % len(hubs)].append(teacher)
        i += 1
    return hubs, overflow


def _eligible(mentor: Mentor, members: Iterable[Teacher], capacity: dict[str, int]) -> bool:
    return capacity.get(mentor.participant_id, 0) > 0 and not any(mentor.evaluates(t) for t in members)


def _leader_order(
    mentor: Mentor, theme: str, band: str | None, capacity: dict[str, int]
) -> tuple[float, int, int, str]:
    return (
        -leader_fit(mentor, theme),
        band_distance(mentor.grade_band, band),
        -capacity.get(mentor.participant_id, 0),
        mentor.participant_id,
    )


def _choose_leaders(
    members: list[Teacher],
    theme: str,
    band: str | None,
    candidates: Sequence[Mentor],
    capacity: dict[str, int],
    policy: MatchingPolicy,
) -> tuple[list[Mentor], list[Teacher]]:
    """Pick the best non-evaluative leaders; if an evaluator blocks the best option, move the
    teachers they evaluate out (to be placed elsewhere) while the hub stays within bounds."""
    removed: list[Teacher] = []
    for _ in range(3):
        eligible = sorted(
            (m for m in candidates if _eligible(m, members, capacity)),
            key=lambda m: _leader_order(m, theme, band, capacity),
        )
        if len(eligible) >= policy.leaders_per_hub:
            return eligible[: policy.leaders_per_hub], removed
        blockers = sorted(
            (m for m in candidates if capacity.get(m.participant_id, 0) > 0 and m not in eligible),
            key=lambda m: _leader_order(m, theme, band, capacity),
        )
        if not blockers:
            break
        evaluated = [t for t in members if blockers[0].evaluates(t)]
        if len(members) - len(evaluated) < policy.min_hub_size:
            break
        for teacher in evaluated:
            members.remove(teacher)
            removed.append(teacher)
    return [], removed


def _theme_label(theme: str) -> str:
    return theme.replace("_", " ")


def explain_hub(
    members: Sequence[Teacher], leaders: Sequence[Mentor], theme: str, band: str | None, merged: Sequence[str]
) -> str:
    """A short human explanation of why these people are together (ids only, no names)."""
    who = "new school leaders" if members and members[0].track == "school_leaders" else "beginning teachers"
    schools = len({t.school for t in members})
    sharing = sum(1 for t in members if theme_fit(t, theme) == 1.0)
    text = (
        f"{len(members)} {who}"
        + (f" in {band} grades" if band else "")
        + f"; {sharing} chose {_theme_label(theme)}"
        + (f", joined by close themes ({', '.join(merged)})" if merged else "")
        + f"; from {schools} different school{'s' if schools != 1 else ''}"
    )
    experts = sum(1 for m in leaders if theme in m.expertise_themes)
    text += f"; led by {len(leaders)} mentors, {experts} with {_theme_label(theme)} expertise"
    untrained = sum(1 for m in leaders if not m.trained)
    if untrained:
        text += f" ({untrained} to take the foundational mentoring training)"
    return text + "; neither leader evaluates any member."


def _make_hub(
    members: list[Teacher], leaders: list[Mentor], theme: str, band: str | None, merged: Sequence[str]
) -> Hub:
    first = members[0]
    ids = tuple(sorted(t.participant_id for t in members))
    flags = tuple(f"leader {m.participant_id} needs foundational training" for m in leaders if not m.trained)
    return Hub(
        hub_key=hub_key(first.board, theme, band, ids),
        board=first.board,
        theme=theme,
        grade_band=band,
        language=first.language,
        track=first.track,
        members=ids,
        leaders=tuple(sorted(m.participant_id for m in leaders)),
        explanation=explain_hub(members, leaders, theme, band, merged),
        flags=flags,
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

    hubs: list[Hub] = []
    unplaced: list[Unplaced] = []
    for key in sorted(partitions):
        formed, left = _form_partition(
            partitions[key], mentors_by_partition.get(key, []), capacity, policy, key
        )
        hubs.extend(formed)
        # Teachers moved out (evaluator conflicts, overflow) join a hub with room if one fits.
        for teacher, reason in left:
            placed = _place_into(teacher, hubs, mentor_by_id, policy, teacher_by_id)
            if placed is None:
                unplaced.append(Unplaced(teacher.participant_id, reason))
            else:
                hubs[placed[0]] = placed[1]
    hubs = _improve(hubs, teacher_by_id, mentor_by_id, weights)
    pairings = pair_one_to_one(all_teachers, all_mentors) if policy.pair_one_to_one else ()
    result_hubs = tuple(locked) + tuple(sorted(hubs, key=lambda h: h.hub_key))
    from services.matching.domain.objective import score_solution

    objective = score_solution(result_hubs, len(unplaced), teacher_by_id, mentor_by_id, weights)
    return MatchingResult(
        hubs=result_hubs,
        unplaced=tuple(sorted(unplaced, key=lambda u: u.participant_id)),
        pairings=tuple(pairings),
        objective=objective,
    )


def _form_partition(
    teachers: list[Teacher],
    mentors: list[Mentor],
    capacity: dict[str, int],
    policy: MatchingPolicy,
    key: PartitionKey,
) -> tuple[list[Hub], list[tuple[Teacher, str]]]:
    scope, language, track = key
    who = "new school leaders" if track == "school_leaders" else "teachers"
    if len(teachers) < policy.min_hub_size:
        reason = (
            f"only {len(teachers)} {who} teaching in {language} in {scope}: a hub needs at least "
            f"{policy.min_hub_size} (consider sharing hubs across the region's boards)"
        )
        return [], [(t, reason) for t in teachers]
    planned: list[tuple[list[Teacher], str, str | None, list[str]]] = []
    left: list[tuple[Teacher, str]] = []
    for group in cluster(teachers, policy):
        members_per_hub, overflow = _deal(
            group.members, split_sizes(len(group.members), policy), group.theme, group.band
        )
        left += [
            (t, f"the {_theme_label(group.theme)} hubs of {scope} are full ({policy.max_hub_size} max)")
            for t in overflow
        ]
        planned += [(m, group.theme, group.band, group.merged_from) for m in members_per_hub]

    def difficulty(plan: tuple[list[Teacher], str, str | None, list[str]]) -> tuple[int, str]:
        members, theme, band, _ = plan
        return (
            sum(1 for m in mentors if _eligible(m, members, capacity)),
            hub_key(scope, theme, band, tuple(t.participant_id for t in members)),
        )

    hubs: list[Hub] = []
    for members, theme, band, merged in sorted(planned, key=difficulty):
        leaders, moved = _choose_leaders(members, theme, band, mentors, capacity, policy)
        left += [(t, "each possible hub leader of their hub evaluates them") for t in moved]
        if not leaders:
            available = sum(1 for m in mentors if capacity.get(m.participant_id, 0) > 0)
            reason = (
                f"no {policy.leaders_per_hub} eligible hub leaders for {_theme_label(theme)} ({language}, {scope}): "
                f"{available} {'school-leader ' if track == 'school_leaders' else ''}mentors with capacity left, "
                "none free of evaluating a member"
                if available >= policy.leaders_per_hub
                else f"no {policy.leaders_per_hub} eligible hub leaders for {_theme_label(theme)} ({language}, {scope}): "
                f"only {available} {'school-leader ' if track == 'school_leaders' else ''}mentors with capacity left"
            )
            left += [(t, reason) for t in members]
            continue
        for leader in leaders:
            capacity[leader.participant_id] -= 1
        hubs.append(_make_hub(members, leaders, theme, band, merged))
    return hubs, left


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
        return Unplaced(
            teacher.participant_id,
            f"no {teacher.language} hub for {_theme_label(teacher.primary_theme)} with room "
            f"(below {policy.max_hub_size}) whose leaders do not evaluate them; waiting for enough "
            f"late registrants to form a new hub",
        )
    hub = placed[1]
    return hub, (
        f"joined late: the {_theme_label(hub.theme)} hub had room ({len(hub.members)}/{policy.max_hub_size}); "
        f"theme fit {theme_fit(teacher, hub.theme):.1f}, grade-band fit {band_fit(teacher, hub.grade_band):.1f}"
    )


def _improve(
    hubs: list[Hub],
    teachers: dict[str, Teacher],
    mentors: dict[str, Mentor],
    weights: Weights,
    passes: int = 2,
    window: int = 3,
    budget: int = 400_000,
) -> list[Hub]:
    """Bounded, deterministic local search: swap two members between nearby hubs of the same theme,
    language and track when it raises the objective and keeps every hard constraint. Each hub is
    compared with its next ``window`` siblings only, and the number of evaluations is capped, so a
    province stays linear."""
    one_alike = one_alike_ids(teachers.values())
    hubs = list(hubs)
    scores = [score_hub(h, teachers, mentors, one_alike, weights) for h in hubs]
    by_family: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for index, hub in enumerate(hubs):
        by_family[(hub.board, hub.language, hub.track, hub.theme)].append(index)
    evaluations = 0
    for _ in range(passes):
        improved = False
        for family in sorted(by_family):
            indexes = by_family[family]
            for a_pos, a in enumerate(indexes):
                for b in indexes[a_pos + 1 : a_pos + 1 + window]:
                    for x, y in _swap_candidates(hubs[a], hubs[b], teachers):
                        evaluations += 1
                        if evaluations > budget:
                            return _explained(hubs, teachers, mentors)
                        swapped = _swap(hubs[a], hubs[b], x, y, teachers, mentors)
                        if swapped is None:
                            continue
                        new_a = score_hub(swapped[0], teachers, mentors, one_alike, weights)
                        new_b = score_hub(swapped[1], teachers, mentors, one_alike, weights)
                        if new_a + new_b > scores[a] + scores[b] + 1e-9:
                            hubs[a], hubs[b] = swapped
                            scores[a], scores[b] = new_a, new_b
                            improved = True
                            break  # the pair changed: its candidate list is stale
        if not improved:
            break
    return _explained(hubs, teachers, mentors)


def _explained(hubs: list[Hub], teachers: dict[str, Teacher], mentors: dict[str, Mentor]) -> list[Hub]:
    return [replace(h, explanation=_refresh_explanation(h, teachers, mentors)) for h in hubs]


def _swap_candidates(a: Hub, b: Hub, teachers: dict[str, Teacher]) -> list[tuple[str, str]]:
    """Member pairs worth trying: someone sharing a school with a hub-mate, or not fully on the
    hub's theme or band, exchanged with anyone in the other hub."""

    def movable(hub: Hub) -> list[str]:
        schools = Counter(teachers[m].school for m in hub.members)
        return [
            m
            for m in hub.members
            if schools[teachers[m].school] > 1
            or theme_fit(teachers[m], hub.theme) < 1
            or band_fit(teachers[m], hub.grade_band) < 1
        ]

    pairs = [(x, y) for x in movable(a) for y in b.members]
    seen = set(pairs)
    pairs += [(x, y) for y in movable(b) for x in a.members if (x, y) not in seen]
    return pairs


def _swap(
    a: Hub, b: Hub, x: str, y: str, teachers: dict[str, Teacher], mentors: dict[str, Mentor]
) -> tuple[Hub, Hub] | None:
    tx, ty = teachers[x], teachers[y]
    if any(mentors[m].evaluates(ty) for m in a.leaders) or any(mentors[m].evaluates(tx) for m in b.leaders):
        return None
    new_a = replace(a, members=tuple(sorted((*[m for m in a.members if m != x], y))))
    new_b = replace(b, members=tuple(sorted((*[m for m in b.members if m != y], x))))
    return new_a, new_b


def _refresh_explanation(hub: Hub, teachers: dict[str, Teacher], mentors: dict[str, Mentor]) -> str:
    members = [teachers[m] for m in hub.members if m in teachers]
    leaders = [mentors[m] for m in hub.leaders if m in mentors]
    if not members:
        return hub.explanation
    merged = sorted(
        {f"{t.primary_theme}/{t.grade_band or 'any band'}" for t in members if t.primary_theme != hub.theme}
    )
    return explain_hub(members, leaders, hub.theme, hub.grade_band, merged)


def pair_one_to_one(teachers: Sequence[Teacher], mentors: Sequence[Mentor]) -> list[Pairing]:
    """One school-based mentor per beginning teacher where possible (the Alberta model): same school
    first, else same board; same assignment preferred; never an evaluator; within capacity."""
    capacity = {m.participant_id: m.one_to_one_capacity for m in mentors}
    by_board: dict[tuple[str, str], list[Mentor]] = defaultdict(list)
    for mentor in mentors:
        if not mentor.leads_school_leaders:
            by_board[(mentor.board, mentor.language)].append(mentor)
    pairings = []
    for teacher in sorted(teachers, key=lambda t: t.participant_id):
        if teacher.role != "beginning_teacher":
            continue
        candidates = [
            m
            for m in by_board.get((teacher.board, teacher.language), [])
            if capacity[m.participant_id] > 0 and not m.evaluates(teacher)
        ]
        if not candidates:
            continue

        def rank(m: Mentor, teacher: Teacher = teacher) -> tuple[int, int, int, str]:
            return (
                0 if m.school and m.school == teacher.school else 1,
                band_distance(m.grade_band, teacher.grade_band),
                0 if set(m.subjects) & set(teacher.subjects) else 1,
                m.participant_id,
            )

        mentor = min(candidates, key=rank)
        capacity[mentor.participant_id] -= 1
        where = "in the same school" if mentor.school == teacher.school else "in the same board"
        same = "same grade band" if mentor.grade_band == teacher.grade_band else "a close grade band"
        pairings.append(
            Pairing(
                teacher.participant_id,
                mentor.participant_id,
                f"a mentor {where}, {same}, who does not evaluate them",
            )
        )
    return pairings


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
