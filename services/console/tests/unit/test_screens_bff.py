"""The calendar, workshop and grant screens as a BFF, with the services' answers faked at the HTTP level
(httpx.MockTransport): money in dollars and cents by Babel for en-CA and fr-CA, a session's moment in the
board's time zone, a refused submission named by field, the review queue for province staff only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.console.adapters.rendering import Renderer
from services.console.adapters.services_api import ServicesApi
from services.console.config import Settings
from services.console.domain.session import SignedInUser
from services.console.service_layer import grants, screens, workshops
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound

pytestmark = pytest.mark.unit

BOARD = {"code": "ELM", "name": "Elmwood DSB", "timezone": "America/Edmonton", "language": "en"}
APP = {
    "id": "6f1c1a52-6f7c-4c59-9d55-2d9f3f0d1b11",
    "board": "ELM",
    "program_year": "2026-2027",
    "stream": "beginning_teacher",
    "status": "draft",
    "applicant_organisation": "Elmwood DSB",
    "requested_total": "1250.50",
    "awarded_amount": None,
    "submitted_at": None,
    "created_at": "2026-10-01T12:00:00+00:00",
    "deadline": "2027-07-01T05:59:59+00:00",
    "extension_until": None,
    "missing_for_submission": [],
    "expense_lines": [
        {
            "category": "release_time",
            "description": "Occasional teachers",
            "amount": "1000.00",
            "incurred_on": "2026-11-10",
        },
        {"category": "materials", "description": "Books", "amount": "250.50", "incurred_on": "2026-11-12"},
    ],
}


def caller(handler: Any, roles: frozenset[str] = frozenset({"board_coordinator"}), board: str | None = "ELM"):  # type: ignore[no-untyped-def]
    api = ServicesApi(Settings(), transport=httpx.MockTransport(handler))
    return screens.Caller(SignedInUser("s", "Someone", roles, board), "token", api)


def grants_service(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/boards/ELM":
        return httpx.Response(200, json=BOARD)
    if request.url.path == "/v1/applications":
        return httpx.Response(200, json={"items": [APP], "total": 1, "limit": 50, "offset": 0})
    if request.url.path == f"/v1/applications/{APP['id']}":
        return httpx.Response(200, json=APP)
    if request.url.path == f"/v1/applications/{APP['id']}/submission":
        return httpx.Response(
            409,
            json={
                "title": "Missing",
                "detail": "contact: required",
                "errors": [{"field": "contact", "message": "required"}],
            },
        )
    raise AssertionError(request.url.path)


@pytest.mark.parametrize(
    ("language", "total", "line"),
    [("en", "$1,250.50", "$1,000.00"), ("fr", "1\u00a0250,50\u00a0$", "1\u00a0000,00\u00a0$")],
)
def test_line_items_in_dollars_and_cents(language: str, total: str, line: str):
    view = asyncio.run(grants.board_applications(caller(grants_service), "ELM", "2026-2027"))
    html = Renderer().render(
        language,
        "grants/board.html",
        {
            **view,
            "year": "2026-2027",
            "section": "grants",
            "done": False,
            "errors": {},
            "csrf_token": "t",
            "user": None,
        },
    )
    assert total in html and line in html


def test_a_refused_submission_names_the_field_and_another_boards_application_is_404():
    with pytest.raises(FieldErrors) as refused:
        asyncio.run(grants.submit(caller(grants_service), "ELM", APP["id"]))
    assert refused.value.fields == {"contact": "required"} and refused.value.status == 409
    with pytest.raises(NotFound):
        asyncio.run(grants.submit(caller(grants_service), "OAK", APP["id"]))


def test_the_review_queue_is_for_province_staff_only():
    with pytest.raises(NotFound):
        asyncio.run(grants.review_queue(caller(grants_service), "2026-2027"))
    queued = asyncio.run(
        grants.review_queue(caller(grants_service, frozenset({"province_admin"}), None), "2026-2027")
    )
    assert [a["id"] for a in queued] == [APP["id"], APP["id"]]  # one page per waiting status


def test_a_session_is_planned_in_the_boards_time_zone_and_bad_fields_are_named():
    body = workshops.session_body(
        BOARD,
        "2026-2027",
        {
            "kind": "workshop",
            "title": " Classroom management ",
            "day": "2027-02-10",
            "start_time": "09:00",
            "end_time": "15:30",
            "location": "Board office",
            "capacity": "2",
        },
        ["beginning_teacher", "not_an_audience"],
    )
    assert body["starts_at"] == "2027-02-10T09:00:00-07:00" and body["ends_at"] == "2027-02-10T15:30:00-07:00"
    assert (
        body["audience"] == ["beginning_teacher"] and body["capacity"] == 2 and body["release_time"] is True
    )
    with pytest.raises(FieldErrors) as refused:
        workshops.session_body(
            BOARD,
            "2026-2027",
            {"kind": "lecture", "day": "10/02/2027", "end_time": "x", "capacity": "two"},
            [],
        )
    assert refused.value.fields == {
        "kind": "choice",
        "title": "required",
        "starts_at": "date",
        "ends_at": "time",
        "capacity": "number",
    }
