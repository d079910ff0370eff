"""Start-up grants (screen 7): the board's applications with their line items, submit a draft; the
province's review queue. Grants decides (deadline, what a submission needs) and says why not."""

from __future__ import annotations

import asyncio
from typing import Any

from services.console.adapters.services_api import ApiError
from services.console.domain import calendar as cal
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound
from services.console.service_layer.screens import Caller, _ask, _translate, board

QUEUE = ("submitted", "under_review")


async def board_applications(caller: Caller, code: str, year: str) -> dict[str, Any]:
    """The board's applications this program year, each in full (line items in dollars and cents)."""
    row = await board(caller, code)
    page = await _ask(
        caller.api.get("grants", "/v1/applications", caller.token, board=code, program_year=year, limit=50)
    )
    found = await asyncio.gather(
        *(_ask(caller.api.get("grants", f"/v1/applications/{a['id']}", caller.token)) for a in page["items"])
    )
    return {"board": row, "applications": [a for a in found if a["board"] == code]}


async def submit(caller: Caller, code: str, application_id: str) -> dict[str, Any]:
    await board(caller, code)
    found = await _ask(caller.api.get("grants", f"/v1/applications/{application_id}", caller.token))
    if found["board"] != code:
        raise NotFound("application")
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "grants", f"/v1/applications/{application_id}/submission", caller.token, {}
        )
    except ApiError as exc:
        if exc.status in (409, 422):
            raise FieldErrors(
                cal.field_errors(
                    exc.problem,
                    (
                        "deadline",
                        "status",
                        "contact",
                        "committee",
                        "program",
                        "expense_lines",
                        "organisation",
                    ),
                ),
                status=exc.status,
            ) from exc
        raise _translate(exc) from exc


async def review_queue(caller: Caller, year: str) -> list[dict[str, Any]]:
    """Applications waiting for the province (submitted or under review), every board; province only."""
    if not caller.user.is_province_admin:
        raise NotFound("review queue")
    pages = await asyncio.gather(
        *(
            _ask(
                caller.api.get(
                    "grants", "/v1/applications", caller.token, program_year=year, status=s, limit=500
                )
            )
            for s in QUEUE
        )
    )
    items = [a for p in pages for a in p["items"]]
    return sorted(items, key=lambda a: str(a.get("submitted_at") or a["created_at"]))
