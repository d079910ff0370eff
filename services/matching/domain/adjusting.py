"""Changing hubs after they were formed: explanations per person, coordinator moves and leader
swaps (what the rules allow, what needs ``force``), and replacing a leader who withdrew. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.matching.domain.draft_rules import Refusal, leader_refusals, move_refusals
from services.matching.domain.explaining import label as _theme_label
from services.matching.domain.explaining import member_facts, member_sentence, plural
from services.matching.domain.hub_leaders import leader_order
from services.matching.domain.objective import leader_fit, one_alike_ids
from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Teacher


@dataclass(frozen=True)
class Verdict:
    """What stands against a change: ``refusals`` always refuse it; ``warnings`` only unless forced."""

    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def allowed(self, force: bool) -> bool:
        return not self.refusals and (force or not self.warnings)


def leader_load(hubs: Iterable[Hub]) -> Counter[str]:
    """How many hubs each mentor leads."""
    return Counter(leader for hub in hubs for leader in hub.leaders)


def explain_member(teacher: Teacher, hub: Hub, teachers: Mapping[str, Teacher]) -> str:
    """Why this teacher is in this hub, in a sentence built from their facts (no ids, no names)."""
    members = [teachers[m] for m in hub.members if m in teachers]
    one_alike = one_alike_ids(t for t in teachers.values() if t.board == teacher.board)
    text = member_sentence(member_facts(teacher, hub, members, one_alike), teacher, hub).removesuffix(".")
    others = [t for t in members if t.participant_id != teacher.participant_id]
    colleagues = sum(
        1 for t in others if t.school and t.school == teacher.school and t.board == teacher.board
    )
    text += (
        "; the only member from their school"
        if not colleagues
        else f"; {plural(colleagues, 'colleague')} from their school too"
    )
    return text + "."


def explain_leader(mentor: Mentor, hub: Hub) -> str:
    """Why this mentor leads this hub."""
    fit = leader_fit(mentor, hub.theme) - (0.25 if mentor.trained else 0.0)
    theme = _theme_label(hub.theme)
    why = (
        f"expertise in {theme}"
        if fit == 1.0
        else f"expertise close to {theme}"
        if fit > 0
        else f"no direct expertise in {theme} (the best available leader)"
    )
    why += "; trained mentor" if mentor.trained else "; to take the foundational mentoring training"
    return why + "; evaluates no member of the hub."


# Published hubs: a coordinator may move into or out of a locked hub (the lock keeps reruns away, not
# the coordinator), and an untrained leader is flagged on the hub (hub_flags) rather than refused.
_NOT_FOR_PUBLISHED_HUBS = frozenset({"hub_locked", "leader_not_trained"})


def _verdict(refusals: Sequence[Refusal]) -> Verdict:
    kept = [r for r in refusals if r.code not in _NOT_FOR_PUBLISHED_HUBS]
    return Verdict(
        tuple(r.message for r in kept if not r.overridable),
        tuple(r.message for r in kept if r.overridable),
    )


def move_verdict(
    teacher: Teacher,
    source: Hub,
    target: Hub,
    mentors: Mapping[str, Mentor],
    policy: MatchingPolicy,
) -> Verdict:
    """May a coordinator move ``teacher`` from ``source`` to ``target`` of the published hubs? The
    rules of a draft adjustment (draft_rules.move_refusals): non-evaluation, language and track always
    hold; size bounds may be exceeded only when forced."""
    return _verdict(move_refusals(teacher, source, target, mentors, policy))


def leader_swap_verdict(
    hub: Hub,
    outgoing: str | None,
    incoming: Mentor,
    members: Sequence[Teacher],
    load: int,
    policy: MatchingPolicy,
) -> Verdict:
    """May ``incoming`` replace leader ``outgoing`` (or, with ``outgoing=None``, fill an empty leader
    seat) of a published hub? The rules of a draft adjustment (draft_rules.leader_refusals): never an
    evaluator of a member; capacity only when forced."""
    return _verdict(leader_refusals(hub, outgoing, incoming, members, load, policy))


def replacement_leader(
    hub: Hub,
    members: Sequence[Teacher],
    candidates: Iterable[Mentor],
    load: Mapping[str, int],
) -> tuple[Mentor, str] | None:
    """The best mentor to take over from a leader who left: same language and track, capacity left,
    evaluating no member; ``None`` when nobody qualifies (the coordinator is told instead)."""
    capacity = {m.participant_id: m.hub_capacity - load.get(m.participant_id, 0) for m in candidates}
    eligible = sorted(
        (
            m
            for m in candidates
            if capacity[m.participant_id] > 0
            and m.participant_id not in hub.leaders
            and m.language == hub.language
            and m.track == hub.track
            and not any(m.evaluates(t) for t in members)
        ),
        key=lambda m: leader_order(m, hub.theme, hub.grade_band, capacity),
    )
    if not eligible:
        return None
    chosen = eligible[0]
    return chosen, f"replaces a leader who withdrew: {explain_leader(chosen, hub)}"


def hub_flags(hub: Hub, mentors: Mapping[str, Mentor], policy: MatchingPolicy) -> tuple[str, ...]:
    """What a coordinator should look at on this hub now: missing leaders, size out of bounds,
    leaders still to be trained. Recomputed after every change, so a flag never goes stale."""
    flags: list[str] = []
    missing = policy.leaders_per_hub - len(hub.leaders)
    if missing > 0:
        flags.append(f"needs {missing} more hub leader{'s' if missing > 1 else ''}: choose one (leader swap)")
    if len(hub.members) < policy.min_hub_size:
        flags.append(f"below the minimum size: {len(hub.members)} members (minimum {policy.min_hub_size})")
    if len(hub.members) > policy.max_hub_size:
        flags.append(f"above the maximum size: {len(hub.members)} members (maximum {policy.max_hub_size})")
    flags += [
        f"leader {m} needs foundational training"
        for m in hub.leaders
        if m in mentors and not mentors[m].trained
    ]
    return tuple(flags)
