"""The occasional-teacher capacity file and the release-day cost report."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from services.matching.domain.occasional_teachers import decode, parse_capacity_csv
from services.matching.domain.release_day_report import ReleaseUse, build_report, report_csv

pytestmark = pytest.mark.unit


def test_absence_management_export_is_read_with_its_extra_columns():
    text = "Date,School year,Available,Notes\n2026-10-05,2026-2027,18,\n2026/10/06,2026-2027,20,PD day nearby\n\n"
    parsed = parse_capacity_csv(text)
    assert parsed.errors == ()
    assert parsed.days == {date(2026, 10, 5): 18, date(2026, 10, 6): 20}


def test_french_excel_export_with_semicolons_and_a_bom():
    content = "\ufeffjour;disponibles\r\n2026-10-05;12\r\n".encode()
    assert parse_capacity_csv(decode(content)).days == {date(2026, 10, 5): 12}
    assert decode("date,available\n".encode("cp1252")) == "date,available\n"


def test_bad_rows_are_reported_by_row_and_column():
    text = "date,available\n2026-10-05,18\nnot a date,3\n2026-10-06,many\n2026-10-07,-1\n2026-10-05,4\n2026-10-08\n"
    parsed = parse_capacity_csv(text)
    assert [(e.row, e.column) for e in parsed.errors] == [
        (3, "date"),
        (4, "available"),
        (5, "available"),
        (6, "date"),
        (7, "available"),
    ]
    assert "already given on row 2" in parsed.errors[3].message
    assert parsed.days == {date(2026, 10, 5): 18}


def test_a_file_without_the_columns_says_which_is_missing():
    parsed = parse_capacity_csv("day,teachers\n2026-10-05,3\n")
    assert [(e.row, e.column) for e in parsed.errors] == [(1, "available")]
    assert parse_capacity_csv("").errors[0].row == 1


def test_report_by_month_and_by_hub_with_costs():
    uses = [
        ReleaseUse(date(2026, 10, 14), "hub_meeting", 9, "hub-a"),
        ReleaseUse(date(2026, 10, 15), "hub_meeting", 7, "hub-b"),
        ReleaseUse(date(2026, 12, 2), "hub_meeting", 9, "hub-a"),
        ReleaseUse(date(2026, 12, 2), "observation", 1),
        ReleaseUse(date(2027, 1, 20), "hub_meeting", 0, "hub-c"),  # after school: no release
    ]
    report = build_report(uses, board="ELM", program_year="2026-2027", daily_rate=Decimal("245.50"))
    assert (report.release_days, report.days_with_releases, report.meetings, report.observations) == (
        26,
        3,
        3,
        1,
    )
    assert report.cost == Decimal("6383.00")
    assert [(m.key, m.release_days, m.meetings, m.observations) for m in report.by_month] == [
        ("2026-10", 16, 2, 0),
        ("2026-12", 10, 1, 1),
    ]
    assert [(h.key, h.release_days, h.meetings) for h in report.by_hub] == [
        ("hub-a", 18, 2),
        ("hub-b", 7, 1),
        ("observations", 1, 0),
    ]
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0] == ["section", "key", "release_days", "meetings", "observations", "cost"]
    assert rows[1] == ["month", "2026-10", "16", "2", "0", "3928.00"]
    assert rows[-1] == ["total", "ELM 2026-2027", "26", "3", "1", "6383.00"]


def test_report_without_a_rate_has_no_costs_and_csv_cells_never_start_a_formula():
    report = build_report([], board="-ELM", program_year="2026-2027")
    assert report.cost is None and report.by_month == () and report.release_days == 0
    assert report_csv(report).splitlines()[-1] == "total,'-ELM 2026-2027,0,0,0,"
