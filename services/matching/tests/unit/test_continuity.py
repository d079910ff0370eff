"""Continuity between a rerun and what is published: mapping by overlap, standing decisions,
the difference, pairings kept."""

from __future__ import annotations

from services.matching.domain.continuity import (
    Decision,
    apply_decisions,
    difference,
    fingerprint,
    keep_pairings,
    map_onto,
    rekey,
    state_digest,
)
from services.matching.domain.placement_model import Hub, Mentor, Pairing, Teacher


def hub(key: str, members: str, leaders: str = "", *, locked: bool = False, language: str = "en") -> Hub:
    return Hub(
        hub_key=key,
        board="B",
        theme="assessment",
        grade_band="junior",
        language=language,
        track="teachers",
        members=tuple(sorted(members.split())),
        leaders=tuple(sorted(leaders.split())),
        locked=locked,
    )


def test_largest_overlap_keeps_the_published_id_and_each_id_is_claimed_once() -> None:
    published = [hub("P1", "a b c d", "x y"), hub("P2", "e f g h", "z w")]
    solution = [hub("N1", "a b c e", "x y"), hub("N2", "d f g h", "z w"), hub("N3", "i j k l", "x z")]
    mapping = map_onto(published, solution)
    assert mapping == {"N1": "P1", "N2": "P2"}  # N3 shares only leaders, and both ids are taken
    assert [h.hub_key for h in rekey(solution, mapping)] == ["P1", "P2", "N3"]


def test_no_mapping_across_languages() -> None:
    assert map_onto([hub("P1", "a b c", language="fr")], [hub("N1", "a b c")]) == {}


def test_decisions_move_members_and_leaders_but_never_touch_a_locked_hub() -> None:
    hubs = [hub("P1", "a b c", "x y"), hub("P2", "d e f", "z w"), hub("P3", "g h i", "u v", locked=True)]
    decided, skipped = apply_decisions(
        hubs,
        [
            Decision("member", "a", hub_id="P2"),
            Decision("leader", "u", hub_id="P1"),
            Decision("not_leader", "x", hub_id="P1"),
            Decision("member", "g", hub_id="P1"),  # g is in a locked hub: it stays there
            Decision("member", "q", hub_id="GONE"),
        ],
    )
    by = {h.hub_key: h for h in decided}
    assert by["P1"].members == ("b", "c", "g") and by["P1"].leaders == ("u", "y")
    assert by["P2"].members == ("a", "d", "e", "f")
    assert by["P3"] == hubs[2]
    assert skipped == [Decision("member", "q", hub_id="GONE")]


def test_a_pinned_leader_takes_an_unpinned_seat_when_the_hub_is_full() -> None:
    decided, _ = apply_decisions([hub("P1", "a b", "x y")], [Decision("leader", "z", hub_id="P1")])
    assert len(decided[0].leaders) == 2 and "z" in decided[0].leaders


def test_the_difference_names_formed_changed_dissolved_and_moves() -> None:
    published = [hub("P1", "a b c", "x y"), hub("P2", "d e f", "z w"), hub("P3", "g h", "u v")]
    draft = [hub("P1", "a b c", "x y"), hub("P2", "d e f g", "z w"), hub("N1", "h i j", "u v")]
    diff = difference(published, draft, published_pairings={"a": "x"}, draft_pairings={"a": "y", "b": "x"})
    assert diff.formed == ("N1",) and diff.dissolved == ("P3",) and diff.unchanged == ("P1",)
    assert [(c.hub_id, c.added, c.removed) for c in diff.changed] == [("P2", ("g",), ())]
    assert {(m.participant_id, m.from_hub_id, m.to_hub_id) for m in diff.moves} == {
        ("g", "P3", "P2"),
        ("h", "P3", "N1"),
        ("i", None, "N1"),
        ("j", None, "N1"),
    }
    assert diff.pairings_changed == ("a", "b") and not diff.empty
    assert difference(published, published).empty


def test_pairings_keep_decisions_then_published_then_new_within_capacity() -> None:
    teachers = {t: Teacher(participant_id=t, board="B", hr_id=t) for t in ("a", "b", "c", "d", "e")}
    mentors = {
        "m": Mentor(participant_id="m", board="B", hr_id="m", one_to_one_capacity=1),
        "n": Mentor(participant_id="n", board="B", hr_id="n", one_to_one_capacity=2),
    }
    kept = keep_pairings(
        {"a": "m", "b": "n"},
        [
            Pairing("c", "n", "new"),
            Pairing("d", "m", "a's place"),
            Pairing("e", "n", "n is full"),
            Pairing("b", "m", "kept"),
        ],
        [Decision("unpaired", "a")],
        teachers,
        mentors,
    )
    # a stays unpaired (the coordinator's decision), b keeps n, c gets n's second place, d gets the
    # place a left with m, e finds n full.
    assert [(p.teacher_id, p.mentor_id) for p in kept] == [("b", "n"), ("c", "n"), ("d", "m")]


def test_digests_change_with_their_inputs_only() -> None:
    t = [Teacher(participant_id="a", board="B", hr_id="a")]
    assert fingerprint(t, [], 1) == fingerprint(list(t), [], 1) != fingerprint(t, [], 2)
    assert state_digest([hub("P1", "a b")], {}) != state_digest([hub("P1", "a c")], {})
