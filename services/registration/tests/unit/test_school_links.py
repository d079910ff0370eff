"""A file's school linked to the board's schools by code or name; unknown schools left as written."""

from __future__ import annotations

import pytest

from services.registration.domain.imports import ImportItem, SchoolRecord
from services.registration.domain.schools import UNKNOWN_SCHOOL, SchoolDirectory, link_schools, school_key

pytestmark = pytest.mark.unit

SAINT_JEAN = SchoolRecord("ELM-S04", "École Saint-Jean")
MAPLE = SchoolRecord("ELM-S07", "Maple Ridge Public School")
BOARD = SchoolDirectory.of([SAINT_JEAN, MAPLE])


@pytest.mark.parametrize(
    ("written", "school"),
    [
        ("ELM-S04", SAINT_JEAN),
        ("  elm-s04 ", SAINT_JEAN),
        ("École Saint-Jean", SAINT_JEAN),
        ("ecole   saint-jean", SAINT_JEAN),
        ("ÉCOLE SAINT-JEAN", SAINT_JEAN),
        ("maple ridge public school", MAPLE),
        ("Maple Ridge", None),
        ("ELM-S05", None),
        ("", None),
    ],
)
def test_a_school_is_found_by_code_or_by_name_however_it_is_typed(written, school):  # type: ignore[no-untyped-def]
    assert BOARD.link(written) == school


def test_a_code_wins_over_another_schools_name_and_a_shared_name_links_to_neither():
    confusing = SchoolRecord("Maple Ridge Public School", "Another name")
    twins = SchoolDirectory.of(
        [MAPLE, confusing, SchoolRecord("ELM-S10", "Central"), SchoolRecord("ELM-S11", "central")]
    )
    assert twins.link("Maple Ridge Public School") == confusing
    assert twins.link("Central") is None
    assert twins.link("ELM-S10") == SchoolRecord("ELM-S10", "Central")


def test_a_board_without_schools_is_an_empty_directory():
    assert not SchoolDirectory.of([])
    assert BOARD
    assert school_key(" Saint-Jérôme  School ") == "saint-jerome school"


def test_rows_to_import_take_the_boards_name_and_unknown_schools_are_reported_not_refused():
    items = [
        ImportItem(2, "upsert", {"school": "elm-s07"}),
        ImportItem(3, "upsert", {"school": "Nowhere PS"}),
        ImportItem(4, "upsert", {"school": None}),
        ImportItem(5, "withdraw", {"school": "Nowhere PS"}),  # a leaver: nothing to link
        ImportItem(6, "error", {"school": "Nowhere PS"}),  # refused for another reason already
    ]
    reported = link_schools(items, BOARD)
    assert items[0].data["school"] == "Maple Ridge Public School"
    assert items[1].data["school"] == "Nowhere PS" and items[1].action == "upsert"
    assert [(e.row, e.column, e.outcome) for e in reported] == [(3, "school", UNKNOWN_SCHOOL)]
    assert "'Nowhere PS'" in reported[0].message


def test_a_board_that_lists_no_schools_gets_rows_as_written_and_no_reports():
    items = [ImportItem(2, "upsert", {"school": "Nowhere PS"})]
    assert link_schools(items, SchoolDirectory.of([])) == []
    assert items[0].data["school"] == "Nowhere PS"
