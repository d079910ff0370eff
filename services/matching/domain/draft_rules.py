"""The hard rules of a coordinator's changes to hubs, in one place: moving a member, choosing a hub's
leader, pairing a beginning teacher by hand — in a draft before it is published and on published hubs
alike (adjusting.move_verdict and leader_swap_verdict, the published pairing use case). Never one's
evaluator, the hub's language and track, size and capacity (those two may be forced). Each refusal is
named by a code and its values so a coordinator (and a screen) sees every reason at once. A new rule
for such a change is one more check here. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Teacher

Values = dict[str, str | int | list[str]]


@dataclass(frozen=True)
class Refusal:
    """One reason against an adjustment. ``overridable`` reasons give way to ``force``."""

    field: str
    code: str
    message: str
    values: Values = dataclasses.field(default_factory=dict)
    overridable: bool = False


def blocking(refusals: Sequence[Refusal], force: bool) -> list[Refusal]:
    """Every reason that stands (all of them, when any cannot be overridden), else nothing."""
    if any(not r.overridable for r in refusals) or not force:
        return list(refusals)
    return []


def move_refusals(
    teacher: Teacher,
    source: Hub | None,
    target: Hub,
    mentors: Mapping[str, Mentor],
    policy: MatchingPolicy,
) -> list[Refusal]:
    """Moving ``teacher`` from ``source`` (``None``: unplaced in the draft) to ``target``."""
    out: list[Refusal] = []
    if source is not None and source.hub_key == target.hub_key:
        out.append(Refusal("to_hub_id", "already_in_hub", "the teacher is already in that hub"))
    if target.locked:
        out.append(Refusal("to_hub_id", "hub_locked", "the target hub is locked", {"hub_id": target.hub_key}))
    if source is not None and source.locked:
        out.append(
            Refusal("participant_id", "hub_locked", "the teacher's hub is locked", {"hub_id": source.hub_key})
        )
    evaluators = sorted(m for m in target.leaders if m in mentors and mentors[m].evaluates(teacher))
    if evaluators:
        out.append(
            Refusal(
                "to_hub_id",
                "leader_evaluates_teacher",
                f"hub leader {evaluators[0]} of the target hub evaluates this teacher; mentorship is non-evaluative",
                {"leader_ids": evaluators},
            )
        )
    if target.language != teacher.language:
        out.append(
            Refusal(
                "to_hub_id",
                "language_mismatch",
                f"the target hub meets in {target.language}, the teacher works in {teacher.language}",
                {"hub_language": target.language, "participant_language": teacher.language},
            )
        )
    if target.track != teacher.track:
        out.append(
            Refusal(
                "to_hub_id",
                "track_mismatch",
                f"the target hub is for {target.track.replace('_', ' ')}",
                {"hub_track": target.track, "participant_track": teacher.track},
            )
        )
    if len(target.members) + 1 > policy.max_hub_size:
        out.append(
            Refusal(
                "to_hub_id",
                "above_max_size",
                f"the target hub would have {len(target.members) + 1} members (maximum {policy.max_hub_size})",
                {"members": len(target.members) + 1, "maximum": policy.max_hub_size},
                overridable=True,
            )
        )
    if source is not None and len(source.members) - 1 < policy.min_hub_size:
        out.append(
            Refusal(
                "participant_id",
                "below_min_size",
                f"the source hub would have {len(source.members) - 1} members (minimum {policy.min_hub_size})",
                {"members": len(source.members) - 1, "minimum": policy.min_hub_size},
                overridable=True,
            )
        )
    return out


def leader_refusals(
    hub: Hub,
    outgoing: str | None,
    incoming: Mentor,
    members: Sequence[Teacher],
    load: int,
    policy: MatchingPolicy,
) -> list[Refusal]:
    """``incoming`` to lead ``hub`` in place of ``outgoing`` (``None``: an empty seat); ``load`` is how
    many other hubs of the draft ``incoming`` leads."""
    out: list[Refusal] = []
    if hub.locked:
        out.append(Refusal("hub_id", "hub_locked", "the hub is locked", {"hub_id": hub.hub_key}))
    if outgoing is None and len(hub.leaders) >= policy.leaders_per_hub:
        out.append(
            Refusal(
                "leader_id",
                "leader_seats_full",
                f"the hub already has {len(hub.leaders)} leaders: name the leader to replace",
                {"leaders": len(hub.leaders), "leaders_per_hub": policy.leaders_per_hub},
            )
        )
    if outgoing is not None and outgoing not in hub.leaders:
        out.append(Refusal("leader_id", "not_a_leader", "that participant does not lead this hub"))
    if incoming.participant_id in hub.leaders:
        out.append(Refusal("new_leader_id", "already_leads", "the new leader already leads this hub"))
    evaluated = sorted(t.participant_id for t in members if incoming.evaluates(t))
    if evaluated:
        out.append(
            Refusal(
                "new_leader_id",
                "leader_evaluates_member",
                f"the new leader evaluates {len(evaluated)} member(s); mentorship is non-evaluative",
                {"member_ids": evaluated},
            )
        )
    if incoming.language != hub.language:
        out.append(
            Refusal(
                "new_leader_id",
                "language_mismatch",
                f"the hub meets in {hub.language}, the new leader mentors in {incoming.language}",
                {"hub_language": hub.language, "participant_language": incoming.language},
            )
        )
    if incoming.track != hub.track:
        out.append(
            Refusal(
                "new_leader_id",
                "track_mismatch",
                f"the hub is for {hub.track.replace('_', ' ')}",
                {"hub_track": hub.track, "participant_track": incoming.track},
            )
        )
    if load + 1 > incoming.hub_capacity:
        out.append(
            Refusal(
                "new_leader_id",
                "leader_capacity",
                f"the new leader would lead {load + 1} hubs (capacity {incoming.hub_capacity})",
                {"hubs": load + 1, "capacity": incoming.hub_capacity},
                overridable=True,
            )
        )
    if not incoming.trained:
        out.append(
            Refusal(
                "new_leader_id",
                "leader_not_trained",
                "the new leader has not taken the foundational mentoring training",
                overridable=True,
            )
        )
    return out


def pairing_refusals(teacher: Teacher, mentor: Mentor, load: int) -> list[Refusal]:
    """``mentor`` to mentor ``teacher`` one to one; ``load`` is how many other teachers of the draft
    ``mentor`` mentors."""
    out: list[Refusal] = []
    if mentor.evaluates(teacher):
        out.append(
            Refusal(
                "mentor_id",
                "mentor_evaluates_teacher",
                "this mentor evaluates the teacher; mentorship is non-evaluative",
            )
        )
    if mentor.language != teacher.language:
        out.append(
            Refusal(
                "mentor_id",
                "language_mismatch",
                f"the mentor mentors in {mentor.language}, the teacher works in {teacher.language}",
                {"mentor_language": mentor.language, "participant_language": teacher.language},
            )
        )
    if load + 1 > mentor.one_to_one_capacity:
        out.append(
            Refusal(
                "mentor_id",
                "mentor_capacity",
                f"the mentor would mentor {load + 1} teacher(s) one to one (capacity {mentor.one_to_one_capacity})",
                {"teachers": load + 1, "capacity": mentor.one_to_one_capacity},
            )
        )
    return out
