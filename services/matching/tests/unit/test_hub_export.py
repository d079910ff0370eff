"""The hubs CSV: one row per seat, every cell text, nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from services.matching.domain.hub_export import HUB_SEAT_COLUMNS, cell, csv_lines


@pytest.mark.parametrize("value", ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_get_a_leading_apostrophe(value: str) -> None:
    assert cell(value) == "'" + value


def test_a_seat_row_reads_back_as_written() -> None:
    rows = [("h1", "literacy", None, "fr", "teachers", True, "member", "p1", "ELM-HR-1", "Zoé Côté", "=evil")]
    text = csv_lines(rows, header=True)
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == list(HUB_SEAT_COLUMNS)
    assert read[1] == [
        "h1",
        "literacy",
        "",
        "fr",
        "teachers",
        "true",
        "member",
        "p1",
        "ELM-HR-1",
        "Zoé Côté",
        "'=evil",
    ]
    assert text.endswith("\r\n") and csv_lines([]) == ""
