"""Who hears about a hub membership change."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.domain.audience import hub_change

pytestmark = pytest.mark.unit

A, B, C, NEW, L1, L2 = (uuid.uuid4() for _ in range(6))


def test_a_lock_or_a_change_of_no_kind_tells_no_one_else() -> None:
    assert hub_change(added=[], removed=[], members=[A, B], leaders=[L1, L2], change="") == []
    assert hub_change(added=[NEW], removed=[B], members=[A, NEW], leaders=[L1], change="") == [NEW, B]
    assert hub_change(added=[], removed=[], members=[A, B], leaders=[L1], change="rerun") == []


def test_a_move_tells_the_movers_and_the_members() -> None:
    who = hub_change(
        added=[NEW], removed=[B], members=[A, C, NEW], leaders=[L1, L2], change="coordinator_move"
    )
    assert who == [NEW, B, A, C, L1, L2]


def test_new_leaders_are_news_for_everyone_and_a_dissolution_for_those_who_left() -> None:
    assert set(hub_change(added=[], removed=[], members=[A], leaders=[L1, L2], change="leader_change")) == {
        A,
        L1,
        L2,
    }
    assert hub_change(added=[], removed=[A, B, L1], members=[], leaders=[], change="dissolved") == [A, B, L1]
