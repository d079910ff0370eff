"""A run's outcome: a first run forms every hub, a rerun with nothing new is the published state, a
rerun keeps hub ids, standing decisions, locked hubs and published pairings, and says what changed."""

from __future__ import annotations

from dataclasses import replace

from services.matching.domain.continuity import Decision
from services.matching.domain.forming import form_hubs
from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Teacher
from services.matching.domain.run_outcome import (
    LastRun,
    PublishedState,
    RunOutcome,
    counts_by_role,
    run_outcome,
)
from tools.synthetic_boards import board

POLICY = MatchingPolicy()


def people() -> tuple[dict[str, Teacher], dict[str, Mentor]]:
    teachers, mentors = board("RO", 40, 12, seed=3)
    return {t.participant_id: t for t in teachers}, {m.participant_id: m for m in mentors}


def published_from(outcome: RunOutcome) -> PublishedState:
    return PublishedState(
        outcome.hubs, {p.teacher_id: p.mentor_id for p in outcome.pairings}, dict(outcome.unplaced)
    )


def test_a_first_run_forms_every_hub_and_its_counts_agree_with_the_draft() -> None:
    teachers, mentors = people()
    outcome = run_outcome(teachers, mentors, PublishedState(), [], policy=POLICY)
    result = form_hubs(teachers.values(), mentors.values(), POLICY)
    assert outcome.solved
    assert [(h.hub_key, h.members, h.leaders) for h in outcome.hubs] == [
        (h.hub_key, h.members, h.leaders) for h in result.hubs
    ]
    assert outcome.objective == result.objective
    assert outcome.unplaced == {u.participant_id: u.reason for u in result.unplaced}
    assert all(outcome.unplaced_facts[p] for p in outcome.unplaced)
    assert outcome.difference.formed == tuple(sorted(h.hub_key for h in outcome.hubs))
    assert {outcome.status_of(h.hub_key) for h in outcome.hubs} == {"formed"}
    counts = outcome.counts
    assert counts["hubs"] == counts["hubs_formed"] == len(outcome.hubs) > 0
    assert counts["placed"] + counts["unplaced"] == len(teachers)
    assert counts["pairings"] == len(outcome.pairings) == len(result.pairings)
    assert counts["locked_hubs"] == counts["hubs_changed"] == counts["hubs_dissolved"] == 0


def test_a_rerun_with_nothing_new_is_the_published_state() -> None:
    teachers, mentors = people()
    first = run_outcome(teachers, mentors, PublishedState(), [], policy=POLICY)
    published = published_from(first)
    again = run_outcome(teachers, mentors, published, [], policy=POLICY, last_run=LastRun(first.inputs, 12.5))
    assert not again.solved
    assert again.inputs == first.inputs
    assert again.hubs == first.hubs
    assert again.objective == 12.5  # the published run's, not solved again
    assert again.difference.empty and again.decisions_not_applied == ()
    assert {again.status_of(h.hub_key) for h in again.hubs} == {"unchanged"}
    assert {p.teacher_id: p.mentor_id for p in again.pairings} == published.pairings


def test_a_rerun_after_a_new_registrant_keeps_hub_ids_and_reports_what_changed() -> None:
    teachers, mentors = people()
    first = run_outcome(teachers, mentors, PublishedState(), [], policy=POLICY)
    template = next(iter(teachers.values()))
    newcomer = replace(template, participant_id="RO-T99999", hr_id="RO-HR-T99999")
    grown = {**teachers, newcomer.participant_id: newcomer}
    rerun = run_outcome(
        grown, mentors, published_from(first), [], policy=POLICY, last_run=LastRun(first.inputs, None)
    )
    assert rerun.solved and rerun.inputs != first.inputs
    old = {h.hub_key: h for h in first.hubs}
    assert any(h.hub_key in old for h in rerun.hubs)  # the largest overlap keeps a published id
    for hub in rerun.hubs:
        expected = (
            "formed"
            if hub.hub_key not in old
            else "unchanged"
            if (set(hub.members), set(hub.leaders))
            == (set(old[hub.hub_key].members), set(old[hub.hub_key].leaders))
            else "changed"
        )
        assert rerun.status_of(hub.hub_key) == expected
    placed = {m for h in rerun.hubs for m in h.members}
    assert newcomer.participant_id in placed | set(rerun.unplaced)
    assert not placed & set(rerun.unplaced)
    moved = {m.participant_id for m in rerun.difference.moves}
    assert newcomer.participant_id in moved | set(rerun.difference.unplaced_changed)
    assert rerun.counts["hubs_dissolved"] == len(set(old) - {h.hub_key for h in rerun.hubs})


def test_standing_decisions_hold_and_those_without_their_hub_are_reported() -> None:
    teachers, mentors = people()
    first = run_outcome(teachers, mentors, PublishedState(), [], policy=POLICY)
    source, target = first.hubs[0], first.hubs[1]
    mover = source.members[0]
    decisions = [
        Decision("member", mover, hub_id=target.hub_key),
        Decision("member", source.members[1], hub_id="gone"),
        Decision("coach", "RO-C00001", hub_id="also-gone"),
        Decision("coach", "RO-C00002", hub_id=target.hub_key),
    ]
    rerun = run_outcome(teachers, mentors, published_from(first), decisions, policy=POLICY)
    by_key = {h.hub_key: h for h in rerun.hubs}
    assert mover in by_key[target.hub_key].members
    assert mover not in by_key[source.hub_key].members
    assert rerun.decisions_not_applied == (decisions[1], decisions[2])
    assert rerun.status_of(target.hub_key) == rerun.status_of(source.hub_key) == "changed"
    assert [(m.participant_id, m.from_hub_id, m.to_hub_id) for m in rerun.difference.moves] == [
        (mover, source.hub_key, target.hub_key)
    ]


def test_a_locked_hub_and_a_published_pairing_are_kept() -> None:
    teachers, mentors = people()
    first = run_outcome(teachers, mentors, PublishedState(), [], policy=POLICY)
    locked = replace(first.hubs[0], locked=True, members=first.hubs[0].members[:-1])
    left_out = first.hubs[0].members[-1]
    paired = next(t for t in sorted(teachers) if t not in {p.teacher_id for p in first.pairings})
    mentor = next(
        m.participant_id
        for m in sorted(mentors.values(), key=lambda m: m.participant_id)
        if m.one_to_one_capacity and not m.evaluates(teachers[paired])
    )
    published = PublishedState(
        (locked, *first.hubs[1:]), {paired: mentor}, {left_out: "left out of the locked hub"}
    )
    rerun = run_outcome(teachers, mentors, published, [], policy=POLICY)
    assert locked in rerun.hubs and rerun.counts["locked_hubs"] == 1
    assert rerun.status_of(locked.hub_key) == "unchanged"
    elsewhere = {m for h in rerun.hubs if h.hub_key != locked.hub_key for m in h.members}
    assert not set(locked.members) & elsewhere
    assert {p.teacher_id: p.mentor_id for p in rerun.pairings}[paired] == mentor
    assert paired not in rerun.difference.pairings_changed


def test_counts_by_role_keep_beginning_teachers_and_new_school_leaders_apart() -> None:
    teachers, mentors = board("RO", 40, 12, seed=3, leaders=9, leader_mentors=3)
    by_id = {t.participant_id: t for t in teachers}
    outcome = run_outcome(by_id, {m.participant_id: m for m in mentors}, PublishedState(), [], policy=POLICY)
    counts, by_role = outcome.counts, outcome.by_role
    roles = {p: t.role for p, t in by_id.items()}
    assert set(by_role) == {"beginning_teachers", "new_school_leaders"}
    for key, role, track in (
        ("beginning_teachers", "beginning_teacher", "teachers"),
        ("new_school_leaders", "new_school_leader", "school_leaders"),
    ):
        mine = by_role[key]
        assert mine["hubs"] == sum(1 for h in outcome.hubs if h.track == track)
        assert mine["placed"] == sum(1 for h in outcome.hubs for m in h.members if roles[m] == role)
        assert mine["unplaced"] == sum(1 for p in outcome.unplaced if roles[p] == role)
        assert mine["pairings"] == sum(1 for p in outcome.pairings if roles[p.teacher_id] == role)
        assert mine["placed"] + mine["unplaced"] <= sum(1 for t in teachers if t.role == role)
    # The totals are the sums of the roles (old keys unchanged for the clients that read them).
    for name in ("hubs", "placed", "unplaced", "pairings"):
        assert counts[name] == by_role["beginning_teachers"][name] + by_role["new_school_leaders"][name]
    assert by_role["new_school_leaders"]["placed"] + by_role["new_school_leaders"]["unplaced"] > 0
    assert by_role["beginning_teachers"]["placed"] > 0


def test_counts_by_role_count_someone_unknown_by_their_hubs_track() -> None:
    hubs = [
        Hub("h1", "RO", "school_leadership", None, "en", "school_leaders", ("a", "b"), ("m1",)),
        Hub("h2", "RO", "literacy", "K-3", "en", "teachers", ("c",), ("m2",)),
    ]
    found = counts_by_role(hubs, ["d", "e"], ["d"], {"a": "new_school_leader", "e": "new_school_leader"})
    assert found == {
        "beginning_teachers": {"hubs": 1, "placed": 1, "unplaced": 1, "pairings": 1},
        "new_school_leaders": {"hubs": 1, "placed": 2, "unplaced": 1, "pairings": 0},
    }
