"""Late joiners: a teacher who registers after the run joins the best hub of their kind with room,
without disturbing anyone already placed; when none fits, the reason says which rule stood in the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from services.matching.domain.clustering import scope_of
from services.matching.domain.explaining import label, plural
from services.matching.domain.objective import band_fit, theme_fit, theme_rank
from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Teacher, Unplaced, fact


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
    placed = place_into(teacher, ordered, mentor_by_id, policy, teacher_by_id)
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


def place_into(
    teacher: Teacher,
    hubs: list[Hub],
    mentors: dict[str, Mentor],
    policy: MatchingPolicy,
    teachers: dict[str, Teacher],
) -> tuple[int, Hub] | None:
    """The best hub in ``hubs`` for ``teacher`` (its index, and the hub with them added), or ``None``.

    A hub fits when it is not locked, has room, meets in the teacher's language, is of their track
    and scope, no leader evaluates them, and its theme or band is close to theirs. Among those, the
    best by theme fit (counted twice), band fit and a school none of its members is from; the emptier
    of equal hubs, then the larger hub key."""
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


def _of_their_kind(teacher: Teacher, hub: Hub, policy: MatchingPolicy) -> bool:
    """Same language, track and scope (a hub's scope is its board unless the region shares hubs)."""
    scope = scope_of(teacher.board, teacher.region, policy)
    hub_scope = scope if policy.share_across_boards_in_region and teacher.region else hub.board
    return hub.language == teacher.language and hub.track == teacher.track and hub_scope == scope


def _fits(teacher: Teacher, hub: Hub, mentors: dict[str, Mentor], policy: MatchingPolicy) -> bool:
    return (
        not hub.locked
        and len(hub.members) < policy.max_hub_size
        and _of_their_kind(teacher, hub, policy)
        and not any(mentors[m].evaluates(teacher) for m in hub.leaders if m in mentors)
        and theme_fit(teacher, hub.theme) + band_fit(teacher, hub.grade_band) > 0
    )


def _late_unplaced(
    teacher: Teacher, hubs: Sequence[Hub], mentors: dict[str, Mentor], policy: MatchingPolicy
) -> Unplaced:
    """The true reason a late joiner has no hub: no hub of their kind, all full, or the leaders of
    the ones with room evaluate them, or none is close to their goals and grades."""
    scope = scope_of(teacher.board, teacher.region, policy)
    kind = [h for h in hubs if _of_their_kind(teacher, h, policy)]
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
