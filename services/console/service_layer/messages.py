"""A board's delivery log and its failed messages with their reasons (screen 8), from notifications."""

from __future__ import annotations

import asyncio
from typing import Any

from services.console.domain import summaries
from services.console.service_layer.errors import InvalidInput
from services.console.service_layer.screens import Caller, _ask, _maybe, all_people, board

PAGE = 25
STATES = ("pending", "sent", "failed", "suppressed", "held", "digested")


async def delivery_log(
    caller: Caller, code: str, year: str, *, state: str | None, page: int
) -> dict[str, Any]:
    if state and state not in STATES:
        raise InvalidInput({"state": "choice"})
    row = await board(caller, code)
    api, token = caller.api, caller.token
    found, failed, people = await asyncio.gather(
        _ask(
            api.get(
                "notifications",
                "/v1/notifications",
                token,
                board=code,
                state=state,
                limit=PAGE,
                offset=(max(page, 1) - 1) * PAGE,
            )
        ),
        _maybe(api.get("notifications", "/v1/notifications", token, board=code, state="failed", limit=1), {}),
        all_people(caller, code, year),
    )
    return {
        "board": row,
        "messages": found["items"],
        "pages": summaries.paginate(found["total"], page, PAGE),
        "failed_total": int((failed or {}).get("total", 0)),
        "people": people,
    }
