"""Where the province's grant applications stand: counts by status (zero included), requested beside
awarded and paid, the budget left; the queue as CSV with headers in the reader's language, amounts as
plain decimals, days in each board's time zone, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from services.console.adapters.rendering import Renderer
from services.console.domain import grant_summary

pytestmark = pytest.mark.unit


def app(status: str, requested: str, awarded: str | None = None, **more: object) -> dict[str, object]:
    return {
        "id": f"id-{status}-{requested}",
        "board": "ELM",
        "stream": "beginning_teacher",
        "status": status,
        "applicant_organisation": "ELM",
        "requested_total": requested,
        "awarded_amount": awarded,
        "submitted_at": "2027-06-30T03:30:00+00:00",
        "created_at": "2027-06-01T12:00:00+00:00",
        **more,
    }


APPS = [
    app("draft", "900.00"),
    app("submitted", "1000.00"),
    app("under_review", "2000.50"),
    app("approved", "3000.00", "2500.00"),
    app("paid", "1500.00", "1500.00"),
    app("declined", "700.00"),
    app("withdrawn", "100.00"),
]
PROGRAMS = [
    {"budget": "10000.00", "remaining": "6000.00"},
    {"budget": "5000.00", "remaining": "5000.00"},
]


def test_the_gauge_counts_every_status_and_adds_up_the_amounts() -> None:
    g = grant_summary.gauge(APPS + [app("submitted", "10.00")], PROGRAMS)
    assert g.counts == {
        "draft": 1,
        "submitted": 2,
        "under_review": 1,
        "approved": 1,
        "declined": 1,
        "paid": 1,
        "withdrawn": 1,
    }
    assert g.requested == Decimal("8210.50")  # sent to the province: not the draft, not the withdrawn one
    assert g.awarded == Decimal("4000.00") and g.paid == Decimal("1500.00")
    assert (g.budget, g.remaining) == (Decimal("15000.00"), Decimal("11000.00"))
    assert g.awarded_share == pytest.approx(4000 / 15000)


def test_an_empty_year_has_zero_everywhere() -> None:
    g = grant_summary.gauge([], [])
    assert set(g.counts.values()) == {0} and g.awarded_share == 0.0 and g.awarded_of_requested == 0.0


def test_the_queue_as_csv() -> None:
    rows = [
        app("submitted", "1000.00", applicant_organisation="=HYPERLINK(1)"),
        app("approved", "3000.00", "2500.00"),
    ]
    boards = {"ELM": {"name": "Elmwood DSB", "timezone": "America/Edmonton"}}
    headers = ["Conseil", "Code", "Demandeur", "Volet", "Statut", "Soumise", "Demandé", "Accordé"]
    words = {"beginning_teacher": "Nouveaux enseignants", "submitted": "Soumise", "approved": "Approuvée"}
    text = grant_summary.queue_csv(rows, boards, headers, words)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == headers
    assert table[1] == [
        "Elmwood DSB",
        "ELM",
        "'=HYPERLINK(1)",
        "Nouveaux enseignants",
        "Soumise",
        "2027-06-29",  # 03:30 UTC is still June 29 in Edmonton
        "1000.00",
        "",
    ]
    assert table[2][4:] == ["Approuvée", "2027-06-29", "3000.00", "2500.00"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_queue_page_shows_the_gauge(language: str) -> None:
    html = Renderer().render(
        language,
        "grants/queue.html",
        {
            "user": None,
            "csrf_token": "t",
            "path": "/",
            "quoted_path": "%2F",
            "request_path": "/",
            "other_lang": "en" if language == "fr" else "fr",
            "applications": [APPS[1]],
            "to_pay": [APPS[3]],
            "gauge": grant_summary.gauge(APPS, PROGRAMS),
            "boards": {"ELM": {"name": "Elmwood DSB", "timezone": "America/Edmonton"}},
            "year": "2026-2027",
        },
    )
    fr = language == "fr"
    assert ("Versé" if fr else "Paid") in html  # the amount paid, not the status
    assert ("Payée" if fr else "Paid") in html  # the status
    assert ("8\u00a0200,50\u00a0$" if fr else "$8,200.50") in html
    assert re.search(r'<meter id="awarded-of-budget"[^>]*value="0\.26', html)
    assert 'href="/province/grants/export.csv?year=2026-2027"' in html
    assert html.count('class="mw-to-pay"') == 1 and html.count('class="mw-queued"') == 1
