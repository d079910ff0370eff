"""The hard rules for adjusting a draft: every reason named at once, by code and values; only the
overridable ones give way to force."""

from __future__ import annotations

from services.matching.domain.draft_rules import blocking, leader_refusals, move_refusals, pairing_refusals
from services.matching.domain.placement_model import Hub, MatchingPolicy, Mentor, Teacher

POLICY = MatchingPolicy(min_hub_size=2, max_hub_size=3, leaders_per_hub=1)
T = Teacher("t1", "B", "HR-T1", language="fr")
EVALUATOR = Mentor("m1", "B", "HR-M1", language="en", trained=False, evaluates_hr_ids=frozenset({"HR-T1"}))
FREE = Mentor("m2", "B", "HR-M2", language="fr", trained=True, hub_capacity=1, one_to_one_capacity=1)


def hub(
    key: str,
    members: tuple[str, ...],
    leaders: tuple[str, ...],
    *,
    language: str = "en",
    locked: bool = False,
) -> Hub:
    return Hub(key, "B", "classroom_management", None, language, "teachers", members, leaders, locked=locked)


def test_a_move_names_every_reason_and_force_only_lifts_the_overridable_ones() -> None:
    source = hub("a", ("t1", "x"), (), language="fr")
    target = hub("b", ("y", "z", "w"), ("m1",), locked=True)
    refusals = move_refusals(T, source, target, {"m1": EVALUATOR}, POLICY)
    codes = {r.code: r for r in refusals}
    assert set(codes) == {
        "hub_locked",
        "leader_evaluates_teacher",
        "language_mismatch",
        "above_max_size",
        "below_min_size",
    }
    assert codes["leader_evaluates_teacher"].values == {"leader_ids": ["m1"]}
    assert codes["language_mismatch"].values == {"hub_language": "en", "participant_language": "fr"}
    assert codes["above_max_size"].values == {"members": 4, "maximum": 3}
    assert blocking(refusals, force=True) == refusals  # hard reasons: force changes nothing
    sized = [r for r in refusals if r.overridable]
    assert blocking(sized, force=False) == sized and blocking(sized, force=True) == []


def test_a_good_move_from_the_unplaced_is_allowed() -> None:
    assert move_refusals(T, None, hub("b", ("y",), ("m2",), language="fr"), {"m2": FREE}, POLICY) == []


def test_a_leader_who_evaluates_a_member_is_refused_with_every_member_named() -> None:
    h = hub("a", ("t1", "x"), ("m2",))
    refusals = leader_refusals(h, "x", EVALUATOR, [T], load=1, policy=POLICY)
    codes = {r.code: r for r in refusals}
    assert set(codes) == {"not_a_leader", "leader_evaluates_member", "leader_capacity", "leader_not_trained"}
    assert codes["leader_evaluates_member"].values == {"member_ids": ["t1"]}
    assert codes["leader_capacity"].overridable and codes["leader_not_trained"].overridable
    assert leader_refusals(hub("c", ("t1",), ("m1",), language="fr"), "m1", FREE, [T], 0, POLICY) == []


def test_pairing_refusals() -> None:
    assert [r.code for r in pairing_refusals(T, EVALUATOR, load=0)] == [
        "mentor_evaluates_teacher",
        "language_mismatch",
        "mentor_capacity",
    ]
    assert pairing_refusals(T, FREE, load=0) == []
    assert [(r.code, r.values) for r in pairing_refusals(T, FREE, load=1)] == [
        ("mentor_capacity", {"teachers": 2, "capacity": 1})
    ]
