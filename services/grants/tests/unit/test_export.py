import csv
import io

import pytest

from services.grants.domain.export import FINANCE_COLUMNS, finance_csv, finance_rows, neutralise_cell
from services.grants.domain.lifecycle import ApplicationState
from services.grants.tests.unit.factories import (
    APPLICATION_ID,
    EARLY,
    make_approved,
    make_draft,
    make_under_review,
)


@pytest.mark.unit
@pytest.mark.parametrize(
    "value",
    ["=1+1", "+15551234", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\rEvil", '=HYPERLINK("http://x","y")'],
)
def test_formula_like_cells_get_a_leading_apostrophe(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ATA Local 37", "ATA Local 37"),
        ("1500.50", "1500.50"),
        ("", ""),
        (None, ""),
        ("a=b", "a=b"),
        (" =1", " =1"),
    ],
)
def test_safe_cells_are_left_alone(value: object, expected: str) -> None:
    assert neutralise_cell(value) == expected


@pytest.mark.unit
def test_finance_rows_list_approved_awards_only() -> None:
    approved = make_approved("1250.00")
    paid = make_approved("100.00")
    paid.mark_paid(actor="finance@association.example", now=EARLY)
    rows = finance_rows([approved, make_draft(), make_under_review(), paid])
    assert rows[0] == list(FINANCE_COLUMNS)
    assert len(rows) == 2
    row = dict(zip(FINANCE_COLUMNS, rows[1], strict=True))
    assert row == {
        "application_id": str(APPLICATION_ID),
        "board": "EDSB",
        "program_year": "2026-2027",
        "stream": "beginning_teacher",
        "board_code": "EDSB",
        "association_local": "ATA Local 37",
        "contact_name": "Dana Okafor",
        "contact_email": "dana.okafor@edsb.example",
        "requested_total": "1500.50",
        "awarded_amount": "1250.00",
        "approved_at": EARLY.isoformat(),
        "approved_by": "reviewer@association.example",
    }
    with_paid = finance_rows(
        [approved, paid], states=(ApplicationState.APPROVED, ApplicationState.PAID), header=False
    )
    assert [r[9] for r in with_paid] == ["1250.00", "100.00"]


@pytest.mark.unit
def test_finance_csv_neutralises_formula_injection() -> None:
    app = make_approved(local='=HYPERLINK("http://evil.example","Click")')
    text = finance_csv([app])
    assert text.endswith("\r\n")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == list(FINANCE_COLUMNS)
    assert row[FINANCE_COLUMNS.index("association_local")] == '\'=HYPERLINK("http://evil.example","Click")'
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
