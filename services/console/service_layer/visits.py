"""Observation visits and their status (screen 6), from matching's list. Never the debrief text: it
stays between the teacher and their mentor (matching refuses it to staff, and the console never asks)."""

from __future__ import annotations

from typing import Any

from services.console.domain import summaries
from services.console.service_layer.errors import InvalidInput
from services.console.service_layer.screens import Caller, _ask, board

PAGE = 25
STATUSES = ("scheduled", "cancelled")
SORTS = ("day", "-day", "visitor_name", "host_name")


async def visits(
    caller: Caller, code: str, year: str, *, status: str | None, sort: str, page: int
) -> tuple[dict[str, Any], list[dict[str, Any]], summaries.Pages]:
    bad = {}
    if status and status not in STATUSES:
        bad["status"] = "choice"
    if sort not in SORTS:
        bad["sort"] = "choice"
    if bad:
        raise InvalidInput(bad)
    row = await board(caller, code)
    found = await _ask(
        caller.api.get(
            "matching",
            f"/v1/boards/{code}/program-years/{year}/observation-visits",
            caller.token,
            status=status,
            sort=sort,
            limit=PAGE,
            offset=(max(page, 1) - 1) * PAGE,
        )
    )
    return row, found["items"], summaries.paginate(found["total"], page, PAGE)
