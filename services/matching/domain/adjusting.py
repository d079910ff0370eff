"""Changing hubs after they were formed: explanations per person, coordinator moves and leader
swaps (what the rules allow, what needs ``force``), and replacing a leader who withdrew. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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


def move_verdict(
    teacher: Teacher,
    source: Hub,
    target: Hub,
    mentors: Mapping[str, Mentor],
    policy: MatchingPolicy,
) -> Verdict:
    """May a coordinator move ``teacher`` from ``source`` to ``target``? Non-evaluation, language and
    track always hold; size bounds may be exceeded only when forced."""
    refusals: list[str] = []
    warnings: list[str] = []
    if source.hub_key == target.hub_key:
        refusals.append("the teacher is already in that hub")
    evaluators = sorted(m for m in target.leaders if m in mentors and mentors[m].evaluates(teacher))
    if evaluators:
        refusals.append(
            f"hub leader {evaluators[0]} of the target hub evaluates this teacher; mentorship is non-evaluative"
        )
    if target.language != teacher.language:
        refusals.append(f"the target hub meets in {target.language}, the teacher in {teacher.language}")
    if target.track != teacher.track:
        refusals.append(f"the target hub is for {target.track.replace('_', ' ')}")
    if len(target.members) + 1 > policy.max_hub_size:
        warnings.append(
            f"the target hub would have {len(target.members) + 1} members (maximum {policy.max_hub_size})"
        )
    if len(source.members) - 1 < policy.min_hub_size:
        warnings.append(
            f"the source hub would have {len(source.members) - 1} members (minimum {policy.min_hub_size})"
        )
    return Verdict(tuple(refusals), tuple(warnings))


def leader_swap_verdict(
    hub: Hub,
    outgoing: str | None,
    incoming: Mentor,
    members: Sequence[Teacher],
    load: int,
    policy: MatchingPolicy,
) -> Verdict:
    """May ``incoming`` replace leader ``outgoing`` (or, with ``outgoing=None``, fill an empty leader
    seat)? Never an evaluator of a member; capacity only when forced."""
    refusals: list[str] = []
    warnings: list[str] = []
    if outgoing is None and len(hub.leaders) >= policy.leaders_per_hub:
        refusals.append(f"the hub already has {len(hub.leaders)} leaders: name the leader to replace")
    if outgoing is not None and outgoing not in hub.leaders:
        refusals.append("that participant does not lead this hub")
    if incoming.participant_id in hub.leaders:
        refusals.append("the new leader already leads this hub")
    evaluated = sorted(t.participant_id for t in members if incoming.evaluates(t))
    if evaluated:
        refusals.append(f"the new leader evaluates member {evaluated[0]}; mentorship is non-evaluative")
    if incoming.language != hub.language:
        refusals.append(f"the hub meets in {hub.language}, the new leader mentors in {incoming.language}")
    if incoming.track != hub.track:
        refusals.append(f"the hub is for {hub.track.replace('_', ' ')}")
    if load + 1 > incoming.hub_capacity:
        warnings.append(f"the new leader would lead {load + 1} hubs (capacity {incoming.hub_capacity})")
    return Verdict(tuple(refusals), tuple(warnings))


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
