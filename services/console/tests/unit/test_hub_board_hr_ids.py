"""The hub board a coordinator can join with their own records: every member, leader and unplaced
teacher shows their HR id, the published counts are split by role, and hubs come 1,000 a page."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.console.adapters.rendering import Renderer
from services.console.adapters.services_api import ServicesApi
from services.console.config import Settings
from services.console.domain.session import SignedInUser
from services.console.service_layer import screens

pytestmark = pytest.mark.unit

SUMMARY = {
    "board": "ELM",
    "program_year": "2026-2027",
    "hubs": 5,
    "placed": 31,
    "unplaced": 3,
    "pairings": 4,
    "beginning_teachers": {"participants": 30, "hubs": 4, "placed": 28, "unplaced": 1, "pairings": 4},
    "new_school_leaders": {"participants": 5, "hubs": 1, "placed": 3, "unplaced": 2, "pairings": 0},
}


def _hub(n: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "board": "ELM",
        "program_year": "2026-2027",
        "theme": "literacy",
        "grade_band": "K-3",
        "language": "en",
        "track": "teachers",
        "locked": False,
        "explanation": "",
        "flags": [],
        "run_id": None,
        "member_count": 1,
        "members": [
            {
                "participant_id": f"10000000-0000-0000-0000-{n:012d}",
                "display_name": f"Member {n}",
                "school": None,
                "hr_id": f"ELM-HR-M{n:04d}",
                "explanation": "",
            }
        ],
        "leaders": [
            {
                "participant_id": f"20000000-0000-0000-0000-{n:012d}",
                "display_name": f"Leader {n}",
                "school": None,
                "hr_id": f"ELM-HR-L{n:04d}",
                "explanation": "",
            }
        ],
    }


def test_every_hub_of_a_large_board_is_read_a_thousand_at_a_time() -> None:
    hubs = [_hub(n) for n in range(1234)]
    asked: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/hubs"
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        asked.append((limit, offset))
        return httpx.Response(
            200,
            json={
                "items": hubs[offset : offset + limit],
                "total": len(hubs),
                "limit": limit,
                "offset": offset,
            },
        )

    api = ServicesApi(Settings(), transport=httpx.MockTransport(handler))
    user = SignedInUser("s", "Coordinator", frozenset({"board_coordinator"}), "ELM")
    found = asyncio.run(screens.all_hubs(screens.Caller(user, "token", api), "ELM", "2026-2027"))
    assert [h["id"] for h in found] == [h["id"] for h in hubs]
    assert asked == [(1000, 0), (1000, 1000)]


@pytest.mark.parametrize(
    ("language", "hr_label", "role_title"),
    [("en", "HR id", "New school leaders"), ("fr", "Identifiant RH", "Nouvelles directions d’école")],
)
def test_the_hub_board_shows_hr_ids_and_counts_by_role(language, hr_label, role_title):  # type: ignore[no-untyped-def]
    html = Renderer().render(
        language,
        "hubs.html",
        {
            "user": None,
            "csrf_token": "t",
            "path": "/",
            "quoted_path": "%2F",
            "other_lang": "fr" if language == "en" else "en",
            "request_path": "/",
            "board": {"code": "ELM", "name": "Elm", "timezone": "America/Toronto"},
            "year": "2026-2027",
            "runs": [],
            "hubs": [_hub(7)],
            "unplaced": [
                {
                    "participant_id": "30000000-0000-0000-0000-000000000001",
                    "display_name": "Ana",
                    "hr_id": "ELM-HR-U1",
                }
            ],
            "people": {},
            "themes": {},
            "flags": {},
            "unplaced_reasons": [None],
            "summary": SUMMARY,
        },
    )
    for hr_id in ("ELM-HR-M0007", "ELM-HR-L0007", "ELM-HR-U1"):
        assert f"{hr_label} {hr_id}" in html
    assert role_title in html
    row = html[html.index(role_title) :]
    assert [cell.split("<")[0] for cell in row.split("<td>")[1:5]] == ["1", "3", "2", "0"]


@pytest.mark.parametrize(("language", "hr_label"), [("en", "HR id"), ("fr", "Identifiant RH")])
def test_the_draft_review_shows_hr_ids_of_members_leaders_pairings_and_the_unplaced(
    language: str, hr_label: str
) -> None:
    def person(name: str, hr_id: str) -> dict[str, Any]:
        return {"participant_id": f"id-{hr_id}", "display_name": name, "school": None, "hr_id": hr_id}

    hub = {**_hub(3), "status": "formed"}
    html = Renderer().render(
        language,
        "review.html",
        {
            "user": None,
            "csrf_token": "t",
            "path": "/",
            "quoted_path": "%2F",
            "other_lang": "fr" if language == "en" else "en",
            "request_path": "/",
            "board": {"code": "ELM", "name": "Elm", "timezone": "America/Toronto"},
            "year": "2026-2027",
            "run": {"id": "r1", "status": "draft"},
            "hubs": [hub],
            "hubs_by_id": {},
            "people": {},
            "themes": {},
            "difference": {
                "empty": False,
                "formed": [hub["id"]],
                "changed": [],
                "dissolved": [],
                "unchanged": [],
            },
            "changed_pairings": [{"teacher": person("Zoé", "HR-T1"), "mentor": person("Luc", "HR-M1")}],
            "ended_pairings": [person("Ana", "HR-T2")],
            "unplaced": [{"participant": person("Maya", "HR-U1"), "reason": "all full"}],
            "unplaced_reasons": [None],
            "flags": {},
        },
    )
    for hr_id in ("ELM-HR-M0003", "ELM-HR-L0003", "HR-T1", "HR-M1", "HR-T2", "HR-U1"):
        assert f"{hr_label} {hr_id}" in html, hr_id
