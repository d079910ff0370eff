"""Finance exports: the CSV of approved awards (formula injection neutralised) and the printable HTML
summary (applicant text escaped)."""

from __future__ import annotations

import csv
import io

import pytest

from services.grants.tests.integration.helpers import GrantsApi, unique_year
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

FORMULA = '=HYPERLINK("http://evil.example","Click")'
SCRIPT = "<script>alert('x')</script> & co"


async def test_awards_csv_and_printable_summary(api: GrantsApi, token):
    year, _ = unique_year()
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    await api.program(admin, year, stream="school_leadership")
    draft = await api.draft(
        coordinator,
        year,
        organisation={"association_local": FORMULA},
        contact={"name": "@SUM(A1:A9)", "email": "+cmd@example.org"},
        committee=[{"name": SCRIPT, "role": "provincial_association"}],
        program={"stream": "school_leadership", "expected_mentees": 4, "expected_mentors": 2},
        expense_lines=[
            {
                "category": "facilitator",
                "description": SCRIPT,
                "amount": "2500.00",
                "incurred_on": "2026-11-20",
            },
            {
                "category": "travel",
                "description": "-2+3 mileage",
                "amount": "0.10",
                "incurred_on": "2026-11-21",
            },
        ],
    )
    paid = await api.draft(
        coordinator,
        year,
        organisation={"association_local": "Paid Local"},
        program={"stream": "school_leadership", "expected_mentees": 1, "expected_mentors": 1},
    )
    for app_id, award in ((draft["id"], "2000.10"), (paid["id"], "1000.00")):
        await api.ok("POST", f"/applications/{app_id}/submission", coordinator)
        await api.ok("POST", f"/applications/{app_id}/review", admin)
        await api.ok("POST", f"/applications/{app_id}/approval", admin, json={"awarded_amount": award})
    await api.ok("POST", f"/applications/{paid['id']}/payment", admin)

    response = await api.call("GET", "/exports/awards.csv", admin, params={"program_year": year})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header[:3] == ["application_id", "board", "program_year"]
    [row] = rows  # approved only: the paid award is not owed any more
    cells = dict(zip(header, row, strict=True))
    assert cells["application_id"] == draft["id"]
    assert cells["association_local"] == "'" + FORMULA
    assert cells["contact_name"] == "'@SUM(A1:A9)"
    assert cells["contact_email"] == "'+cmd@example.org"
    assert (cells["requested_total"], cells["awarded_amount"]) == ("2500.10", "2000.10")
    assert cells["approved_by"] == "test-province_admin"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)

    with_paid = await api.call(
        "GET", "/exports/awards.csv", admin, params={"program_year": year, "include_paid": "true"}
    )
    assert len(list(csv.reader(io.StringIO(with_paid.text)))) == 3
    mine = await api.call("GET", "/exports/awards.csv", coordinator, params={"program_year": year})
    assert [r[0] for r in list(csv.reader(io.StringIO(mine.text)))[1:]] == [draft["id"]]

    summary = await api.call("GET", f"/applications/{draft['id']}/summary", coordinator)
    assert summary.status_code == 200
    assert summary.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in summary.headers["content-security-policy"]
    html = summary.text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert "2500.10" in html and "2000.10" in html and "New school leaders" in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;Click&#34;)" in html
