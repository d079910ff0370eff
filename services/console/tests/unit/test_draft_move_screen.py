"""Moving a member in a draft from the review page: matching's refusal (every reason by code and
values) becomes reasons worded in the user's language, with "move anyway" only when every reason
gives way to force; the form lists the draft's teachers and hubs in English and French."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from services.console.adapters.rendering import Renderer
from services.console.adapters.services_api import ServicesApi
from services.console.config import Settings
from services.console.domain import reasons
from services.console.domain.session import SignedInUser
from services.console.service_layer import screens
from services.console.service_layer.errors import Refused

pytestmark = pytest.mark.unit

RUN = "7d0f6c1e-1c1a-4f5e-9a53-9f7a3c1e2b10"
HUB_A, HUB_B = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
ZOE = "33333333-3333-4333-8333-333333333333"
HARD = [
    {
        "field": "to_hub_id",
        "code": "language_mismatch",
        "values": {"hub_language": "fr", "participant_language": "en"},
        "message": "the target hub meets in fr, the teacher works in en",
        "overridable": False,
    },
    {
        "field": "to_hub_id",
        "code": "above_max_size",
        "values": {"members": 9, "maximum": 8},
        "message": "the target hub would have 9 members (maximum 8)",
        "overridable": True,
    },
]


def caller(answer: httpx.Response, seen: list[dict[str, Any]]) -> screens.Caller:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/boards/ELM":
            return httpx.Response(200, json={"code": "ELM", "name": "Elm", "timezone": "America/Toronto"})
        assert request.url.path == f"/v1/boards/ELM/program-years/2026-2027/matching-runs/{RUN}/draft/moves"
        seen.append(json.loads(request.content))
        return answer

    api = ServicesApi(Settings(), transport=httpx.MockTransport(handler))
    user = SignedInUser("s", "Coordinator", frozenset({"board_coordinator"}), "ELM")
    return screens.Caller(user, "token", api)


def move(answer: httpx.Response, seen: list[dict[str, Any]], force: bool = False) -> Any:
    return asyncio.run(
        screens.move_in_draft(
            caller(answer, seen), "ELM", "2026-2027", RUN, participant_id=ZOE, to_hub_id=HUB_B, force=force
        )
    )


def test_a_refused_move_in_the_draft_names_every_reason_by_code() -> None:
    seen: list[dict[str, Any]] = []
    with pytest.raises(Refused) as refused:
        move(httpx.Response(409, json={"title": "Refused", "errors": HARD}), seen)
    assert [(r.code, r.values) for r in refused.value.reasons] == [
        ("language_mismatch", {"hub": "fr", "teacher": "en"}),
        ("target_too_big", {"count": "9", "limit": "8"}),
    ]
    assert refused.value.forceable is False  # a hard reason: force would change nothing
    with pytest.raises(Refused) as soft:
        move(httpx.Response(409, json={"title": "Refused", "errors": HARD[1:]}), seen)
    assert soft.value.forceable is True
    assert move(httpx.Response(200, json={"run": {"id": RUN}}), seen, force=True) == {"run": {"id": RUN}}
    assert seen[-1] == {"participant_id": ZOE, "to_hub_id": HUB_B, "force": True}


def _person(pid: str, name: str) -> dict[str, Any]:
    return {"participant_id": pid, "display_name": name, "school": "Elm PS", "explanation": ""}


def _hub(hid: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": hid,
        "status": "unchanged",
        "theme": "classroom_management",
        "grade_band": "primary",
        "language": "en",
        "track": "teachers",
        "locked": False,
        "explanation": "",
        "flags": [],
        "members": members,
        "leaders": [],
    }


@pytest.mark.parametrize(
    ("language", "wanted", "absent"),
    [
        ("en", ["Move a member in the draft", "Move in the draft"], "Déplacer"),
        ("fr", ["Déplacer un membre dans l’ébauche", "Déplacer dans l’ébauche"], "Move in the draft"),
    ],
)
def test_the_review_page_offers_the_move_form_in_the_users_language(language, wanted, absent):  # type: ignore[no-untyped-def]
    refusal = Refused(
        [
            reasons.from_errors(HARD)[0],
        ]
    )
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
            "run": {"id": RUN, "status": "draft"},
            "hubs": [_hub(HUB_A, [_person(ZOE, "Zoé Tremblay")]), _hub(HUB_B, [])],
            "hubs_by_id": {},
            "people": {},
            "themes": {},
            "difference": {
                "empty": True,
                "formed": [],
                "changed": [],
                "dissolved": [],
                "unchanged": [],
                "moves": [],
            },
            "changed_pairings": [],
            "ended_pairings": [],
            "unplaced": [],
            "unplaced_reasons": [],
            "flags": {},
            "refusal": refusal,
            "draft_refused_member": ZOE,
            "draft_refused_target": HUB_B,
        },
    )
    assert all(w in html for w in wanted) and absent not in html
    assert f'action="/boards/ELM/matching-runs/{RUN}/draft-moves?year=2026-2027"' in html
    assert f'<option value="{ZOE}">Zoé Tremblay</option>' in html
    assert 'role="alert"' in html
    assert "the target hub meets in fr" not in html  # worded from its code, not matching's sentence
    assert 'name="force" value="true"' not in html  # a hard reason: no "move anyway"
