"""Pieces every hub-changing use case shares: the events a hub change causes, member explanations,
and recomputed flags."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import HubMember
from services.matching.domain.adjusting import explain_leader, explain_member, hub_flags
from services.matching.domain.explaining import explain_hub
from services.matching.domain.placement_model import Fact, Hub, MatchingPolicy, Mentor, Teacher
from shared.events.envelope import IntegrationEvent
from shared.events.matching import ChangeKind, HubFormed, HubMembershipChanged, Reason


def ids(values: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(v) for v in sorted(values)]


def envelope(cause: IntegrationEvent | None, board: str) -> dict[str, object]:
    """Envelope fields of an event: the same correlation as its cause, when there is one."""
    return cause.caused() if cause is not None else {"board": board}


def as_reasons(facts: Iterable[Fact]) -> list[Reason]:
    """Domain facts as the contract's reasons."""
    return [Reason(code=f.code, values=f.as_dict()) for f in facts]


def hub_reasons(
    hub: Hub,
    teachers: Mapping[str, Teacher] | None,
    mentors: Mapping[str, Mentor] | None,
    **context: Iterable[str],
) -> dict[str, Any]:
    """``reasons`` and ``member_reasons`` of a hub event, counted from the hub as it is now
    (nothing when the people are not given)."""
    if teachers is None or mentors is None or not hub.members:
        return {}
    facts, per_member = explain_hub(hub, teachers, mentors, **context)
    return {
        "reasons": as_reasons(facts),
        "member_reasons": {pid: as_reasons(f) for pid, f in per_member.items()},
    }


def hub_formed(
    hub: Hub,
    program_year: str,
    cause: IntegrationEvent | None = None,
    *,
    teachers: Mapping[str, Teacher] | None = None,
    mentors: Mapping[str, Mentor] | None = None,
) -> HubFormed:
    return HubFormed(
        **hub_reasons(hub, teachers, mentors),
        **envelope(cause, hub.board),
        hub_id=uuid.UUID(hub.hub_key),
        program_year=program_year,
        theme=hub.theme,
        grade_band=hub.grade_band,
        language=hub.language,
        members=ids(hub.members),
        leaders=ids(hub.leaders),
        explanation=hub.explanation,
    )


def membership_changed(
    hub: Hub,
    program_year: str,
    *,
    added: Iterable[str] = (),
    removed: Iterable[str] = (),
    reason: str,
    cause: IntegrationEvent | None = None,
    change: ChangeKind = "",
    member_reasons: dict[str, list[Reason]] | None = None,
    meetings_cancelled: int = 0,
    teachers: Mapping[str, Teacher] | None = None,
    mentors: Mapping[str, Mentor] | None = None,
    late_joiners: Iterable[str] = (),
    decided: Iterable[str] = (),
) -> HubMembershipChanged:
    """``reason`` is prose kept for older readers; it never carries a coordinator's note or an id.
    The facts are counted from the hub as it is now; ``member_reasons`` given by the caller (a
    coordinator's decision, a late joiner) are added to each member's counted facts."""
    counted = hub_reasons(hub, teachers, mentors, late_joiners=late_joiners, decided=decided)
    per_member: dict[str, list[Reason]] = dict(counted.get("member_reasons", {}))
    for pid, extra in (member_reasons or {}).items():
        known = per_member.get(pid, [])
        per_member[pid] = [*known, *(r for r in extra if r.code not in {k.code for k in known})]
    return HubMembershipChanged(
        reasons=counted.get("reasons", []),
        **envelope(cause, hub.board),
        hub_id=uuid.UUID(hub.hub_key),
        program_year=program_year,
        theme=hub.theme,
        added=ids(added),
        removed=ids(removed),
        members=ids(hub.members),
        leaders=ids(hub.leaders),
        reason=reason,
        change=change,
        member_reasons=per_member,
        meetings_cancelled=meetings_cancelled,
    )


def explanations(
    hubs: Iterable[Hub], teachers: Mapping[str, Teacher], mentors: Mapping[str, Mentor]
) -> dict[tuple[str, str], str]:
    """Why each member and leader is in their hub, keyed by (hub key, participant id)."""
    out: dict[tuple[str, str], str] = {}
    for hub in hubs:
        for pid in hub.members:
            if pid in teachers:
                out[(hub.hub_key, pid)] = explain_member(teachers[pid], hub, teachers)
        for pid in hub.leaders:
            if pid in mentors:
                out[(hub.hub_key, pid)] = explain_leader(mentors[pid], hub)
    return out


def refresh_flags(stored: StoredHub, mentors: Mapping[str, Mentor], policy: MatchingPolicy) -> None:
    """Recompute the hub's flags from its current members and leaders."""
    stored.row.flags = list(hub_flags(stored.domain(), mentors, policy))


def add_person(stored: StoredHub, participant_id: str, role: str, explanation: str) -> HubMember:
    member = HubMember(
        hub_id=stored.row.id,
        participant_id=uuid.UUID(participant_id),
        role=role,
        board=stored.row.board,
        program_year=stored.row.program_year,
        explanation=explanation,
        added_at=datetime.now(UTC),
    )
    (stored.leaders if role == "leader" else stored.members).append(member)
    return member


def remove_person(stored: StoredHub, participant_id: str) -> HubMember | None:
    for group in (stored.members, stored.leaders):
        for member in group:
            if str(member.participant_id) == participant_id:
                group.remove(member)
                return member
    return None


def append_explanation(stored: StoredHub, sentence: str) -> None:
    """Hub changes are explained on the hub itself, after the explanation of how it was formed."""
    stored.row.explanation = f"{stored.row.explanation} {sentence}".strip()
    stored.row.updated_at = datetime.now(UTC)
