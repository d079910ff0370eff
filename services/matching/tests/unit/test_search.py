"""The local search's incremental scores are exactly the documented objective's."""

from __future__ import annotations

import random

import pytest

from services.matching.domain.objective import DEFAULT_WEIGHTS, one_alike_ids, score_hub
from services.matching.domain.placement_model import Hub, MatchingPolicy
from services.matching.domain.search import Draft, DraftHub
from tools.synthetic_boards import board

pytestmark = pytest.mark.unit


def _hub(draft: Draft, h: DraftHub, members: list[int]) -> Hub:
    return Hub(
        hub_key="k",
        board="B",
        theme=h.theme,
        grade_band=h.band,
        language="en",
        track="teachers",
        members=tuple(draft.teachers[t].participant_id for t in members),
        leaders=tuple(draft.mentors[m].participant_id for m in h.leaders),
    )


@pytest.mark.parametrize("seed", range(6))
def test_value_after_a_move_or_swap_equals_score_hub(seed: int):
    teachers, mentors = board("B", 60, 8, seed=seed, schools=4)
    one_alike = one_alike_ids(teachers)
    draft = Draft(teachers, mentors, one_alike, MatchingPolicy(), DEFAULT_WEIGHTS)
    rng = random.Random(seed)
    order = list(range(len(teachers)))
    rng.shuffle(order)
    for i in range(6):
        hub = DraftHub(rng.choice(teachers).primary_theme, rng.choice(teachers).grade_band)
        hub.leaders = rng.sample(range(len(mentors)), 2)
        draft.hubs.append(hub)
        for t in order[i * 8 : i * 8 + rng.randint(3, 8)]:
            draft.add(len(draft.hubs) - 1, t)
        draft.rescore(hub)
    by_id = {t.participant_id: t for t in teachers}
    mentor_by_id = {m.participant_id: m for m in mentors}
    outside = [t for t in range(len(teachers)) if draft.hub_of[t] is None]

    def exact(h: DraftHub, members: list[int]) -> float:
        return score_hub(_hub(draft, h, members), by_id, mentor_by_id, one_alike, DEFAULT_WEIGHTS)

    for _ in range(300):
        h = rng.choice(draft.hubs)
        out = rng.choice([None, *h.members])
        into = rng.choice(
            [None, *outside, *(t for other in draft.hubs if other is not h for t in other.members)]
        )
        members = [t for t in h.members if t != out] + ([into] if into is not None else [])
        assert draft.value_after(h, out, into) == pytest.approx(exact(h, members), abs=1e-9)
        assert h.value == pytest.approx(exact(h, h.members), abs=1e-9)
    # The running sums stay exact through many moves.
    for _ in range(200):
        t = rng.choice([t for t in range(len(teachers)) if draft.hub_of[t] is not None])
        target = rng.randrange(len(draft.hubs))
        draft.remove(t)
        draft.add(target, t)
    for h in draft.hubs:
        assert h.value == pytest.approx(exact(h, h.members), abs=1e-9)
