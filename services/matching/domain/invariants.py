"""The hard rules every matching result keeps, checked after the fact (unit,
property and integration tests, the bench).

Hubs within the size bounds (locked hubs excepted), the right number of distinct leaders, leaders who
are mentors, speak the hub's language, lead within their capacity and evaluate no member; every
teacher in exactly one hub or unplaced; no one-to-one mentor who evaluates their teacher.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from services.matching.domain.placement_model import MatchingPolicy, MatchingResult, Mentor, Teacher


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
