"""A matching run's outcome: the draft it proposes and how that differs from what participants were
told. Pure: the service layer loads the published state and stores the outcome.

When nothing the solution depends on changed since the last published run (same people, rules and
weights), the draft is the published state itself, so a rerun with nothing new changes nothing.
Otherwise hubs are formed anew (locked hubs kept as they are), mapped onto the published hubs (the
largest overlap keeps a hub's id), the coordinator's standing decisions are applied on top, and
published pairings are kept where their teacher and mentor are still in the program.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from services.matching.domain import continuity
from services.matching.domain.adjusting import hub_flags
from services.matching.domain.continuity import Decision, Difference
from services.matching.domain.forming import form_hubs
from services.matching.domain.objective import DEFAULT_WEIGHTS, Weights
from services.matching.domain.placement_model import Fact, Hub, MatchingPolicy, Mentor, Pairing, Teacher

HubStatus = Literal["formed", "changed", "unchanged"]

# The key of each role in a run's counts (a coordinator reports on the two programmes apart).
ROLE_KEYS = {"beginning_teacher": "beginning_teachers", "new_school_leader": "new_school_leaders"}


def counts_by_role(
    hubs: Iterable[Hub],
    unplaced: Iterable[str],
    paired: Iterable[str],
    roles: Mapping[str, str],
) -> dict[str, dict[str, int]]:
    """Hubs, placed, unplaced and one-to-one paired people of each role: ``beginning_teachers`` and
    ``new_school_leaders``, each with ``hubs``, ``placed``, ``unplaced`` and ``pairings``.

    A hub counts for the role of its track (new school leaders meet in hubs of their own), a person
    for their role in ``roles`` (id → role); someone ``roles`` does not know counts by their hub's
    track, or as a beginning teacher (every teacher's role unless registration said otherwise)."""
    out = {key: {"hubs": 0, "placed": 0, "unplaced": 0, "pairings": 0} for key in ROLE_KEYS.values()}

    def key(pid: str, track: str = "teachers") -> str:
        fallback = "new_school_leader" if track == "school_leaders" else "beginning_teacher"
        return ROLE_KEYS.get(roles.get(pid, fallback), ROLE_KEYS[fallback])

    for hub in hubs:
        out[ROLE_KEYS["new_school_leader" if hub.track == "school_leaders" else "beginning_teacher"]][
            "hubs"
        ] += 1
        for member in hub.members:
            out[key(member, hub.track)]["placed"] += 1
    for pid in unplaced:
        out[key(pid)]["unplaced"] += 1
    for pid in paired:
        out[key(pid)]["pairings"] += 1
    return out


@dataclass(frozen=True)
class PublishedState:
    """What participants see now: the published hubs, one-to-one pairings (teacher id → mentor id)
    and unplaced participants (id → reason)."""

    hubs: Sequence[Hub] = ()
    pairings: Mapping[str, str] = field(default_factory=dict)
    unplaced: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LastRun:
    """The last published run: the digest of its inputs and the objective it reached."""

    inputs: str | None
    objective: float | None


@dataclass(frozen=True)
class RunOutcome:
    """The draft a run proposes (hubs, pairings, unplaced with their reasons and facts), the
    decisions that could not be applied to it, and its difference from the published state."""

    solved: bool  # False when the draft is the published state (nothing new since the last run)
    inputs: str  # digest of everything the solution depends on (continuity.fingerprint)
    hubs: tuple[Hub, ...]
    pairings: tuple[Pairing, ...]
    unplaced: Mapping[str, str]
    unplaced_facts: Mapping[str, tuple[Fact, ...]]
    objective: float | None
    decisions_not_applied: tuple[Decision, ...]
    difference: Difference
    roles: Mapping[str, str] = field(default_factory=dict)  # teacher id → role, for counts by role

    def status_of(self, hub_key: str) -> HubStatus:
        """Whether publishing would form this hub, change its people, or leave it as it is."""
        if hub_key in self.difference.formed:
            return "formed"
        if any(c.hub_id == hub_key for c in self.difference.changed):
            return "changed"
        return "unchanged"

    @property
    def counts(self) -> dict[str, int]:
        """The numbers a coordinator sees first: hubs by status, moves, placed, unplaced, pairings
        (all roles together; :attr:`by_role` counts beginning teachers and new school leaders apart)."""
        diff = self.difference
        return {
            "hubs": len(self.hubs),
            "locked_hubs": sum(1 for h in self.hubs if h.locked),
            "hubs_formed": len(diff.formed),
            "hubs_changed": len(diff.changed),
            "hubs_unchanged": len(diff.unchanged),
            "hubs_dissolved": len(diff.dissolved),
            "moves": len(diff.moves),
            "placed": sum(len(h.members) for h in self.hubs),
            "unplaced": len(self.unplaced),
            "pairings": len(self.pairings),
        }

    @property
    def by_role(self) -> dict[str, dict[str, int]]:
        """Hubs, placed, unplaced and pairings of beginning teachers and new school leaders apart."""
        return counts_by_role(self.hubs, self.unplaced, (p.teacher_id for p in self.pairings), self.roles)


def run_outcome(
    teachers: Mapping[str, Teacher],
    mentors: Mapping[str, Mentor],
    published: PublishedState,
    decisions: Sequence[Decision],
    *,
    policy: MatchingPolicy | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    last_run: LastRun | None = None,
) -> RunOutcome:
    """Draft a run over the board's ``teachers`` and ``mentors`` (by id) against the ``published``
    state and the coordinator's standing ``decisions``.

    Rules: an unchanged input digest since ``last_run`` keeps the published state (and its
    objective); otherwise locked hubs stay untouched, the other hubs keep the published ids they
    overlap most, standing decisions apply on top (those whose hub is not in the draft are returned,
    as is a coach decision whose hub the draft dissolves), flags are recomputed, nobody placed is
    also unplaced, and published pairings hold while their teacher and mentor are in the program."""
    policy = policy or MatchingPolicy()
    inputs = continuity.fingerprint(teachers.values(), mentors.values(), policy, weights)
    skipped: list[Decision] = []
    unplaced_facts: dict[str, tuple[Fact, ...]] = {}
    if last_run is not None and last_run.inputs == inputs:
        # Nothing the solution depends on changed: the published state (with every decision the
        # coordinator made since) is the draft.
        hubs = list(published.hubs)
        pairings = [Pairing(t, m, "") for t, m in sorted(published.pairings.items())]
        unplaced = dict(published.unplaced)
        objective = last_run.objective
        solved = False
    else:
        locked = [h for h in published.hubs if h.locked]
        result = form_hubs(teachers.values(), mentors.values(), policy, locked_hubs=locked, weights=weights)
        formed = [h for h in result.hubs if not h.locked]
        mapping = continuity.map_onto([h for h in published.hubs if not h.locked], formed)
        drafted, skipped = continuity.apply_decisions(
            [*locked, *continuity.rekey(formed, mapping)],
            decisions,
            leaders_per_hub=policy.leaders_per_hub,
        )
        hubs = [h if h.locked else replace(h, flags=hub_flags(h, mentors, policy)) for h in drafted]
        placed = {m for h in hubs for m in h.members}
        unplaced = {u.participant_id: u.reason for u in result.unplaced if u.participant_id not in placed}
        unplaced_facts = {u.participant_id: u.facts for u in result.unplaced if u.participant_id in unplaced}
        pairings = continuity.keep_pairings(published.pairings, result.pairings, decisions, teachers, mentors)
        objective = result.objective
        solved = True

    drafted_keys = {h.hub_key for h in hubs}
    # A coach whose hub the draft dissolves: publishing ends that support (shown for review).
    skipped += [d for d in decisions if d.kind == "coach" and d.hub_id not in drafted_keys]
    diff = continuity.difference(
        published.hubs,
        hubs,
        published_pairings=published.pairings,
        draft_pairings={p.teacher_id: p.mentor_id for p in pairings},
        published_unplaced=published.unplaced,
        draft_unplaced=unplaced,
    )
    return RunOutcome(
        solved=solved,
        inputs=inputs,
        hubs=tuple(hubs),
        pairings=tuple(pairings),
        unplaced=unplaced,
        unplaced_facts=unplaced_facts,
        objective=objective,
        decisions_not_applied=tuple(skipped),
        difference=diff,
        roles={pid: t.role for pid, t in teachers.items()},
    )
