"""A run started before matching caught up with registration: matching's 409 (its problem+json as
readiness_http.ensure_caught_up answers it) becomes a clear message in the user's language."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from services.console.adapters.rendering import Renderer
from services.console.adapters.services_api import ServicesApi
from services.console.config import Settings
from services.console.domain.session import SignedInUser
from services.console.service_layer import screens
from services.console.service_layer.errors import NotCaughtUp, Refused

pytestmark = pytest.mark.unit

NOT_CAUGHT_UP = {
    "type": "about:blank",
    "title": "Matching has not caught up",
    "status": 409,
    "detail": "matching holds 40 of 43 participants of ELM 2026-2027",
    "errors": [
        {
            "field": "program_year",
            "message": "registration's changes are still arriving",
            "behind": {"participants": 3, "revisions": 5},
            "importing": False,
        }
    ],
}


def caller(answer: httpx.Response) -> screens.Caller:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/boards/ELM":
            return httpx.Response(200, json={"code": "ELM", "name": "Elm", "timezone": "America/Toronto"})
        assert request.url.path == "/v1/boards/ELM/program-years/2026-2027/matching-runs"
        return answer

    api = ServicesApi(Settings(), transport=httpx.MockTransport(handler))
    user = SignedInUser("s", "Coordinator", frozenset({"board_coordinator"}), "ELM")
    return screens.Caller(user, "token", api)


def test_a_run_before_matching_caught_up_says_how_far_behind():
    answer = httpx.Response(
        409,
        content=json.dumps(NOT_CAUGHT_UP),
        headers={"Content-Type": "application/problem+json", "Retry-After": "2"},
    )
    with pytest.raises(NotCaughtUp) as found:
        asyncio.run(screens.start_run(caller(answer), "ELM", "2026-2027"))
    assert (found.value.participants, found.value.revisions) == (3, 5)


def test_another_conflict_is_still_a_refusal():
    answer = httpx.Response(409, json={"title": "Conflict", "detail": "another run holds the board"})
    with pytest.raises(Refused):
        asyncio.run(screens.start_run(caller(answer), "ELM", "2026-2027"))


@pytest.mark.parametrize(
    ("language", "wanted", "absent"),
    [
        ("en", "3 people and 5 changes to go", "Le jumelage"),
        ("fr", "il reste 3 personnes et 5 changements", "Matching is still"),
    ],
)
def test_the_hub_board_words_it_in_the_users_language(language, wanted, absent):  # type: ignore[no-untyped-def]
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
            "hubs": [],
            "unplaced": [],
            "people": {},
            "themes": {},
            "flags": {},
            "unplaced_reasons": [],
            "behind": NotCaughtUp(3, 5, 2),
        },
    )
    assert wanted in html and absent not in html
    assert 'role="alert"' in html
