"""A board's delivery log and failed messages with their reasons (issue 18, screen 8)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.entrypoints.pages import _year, render, visit
from services.console.service_layer import messages as service
from services.console.service_layer.errors import InvalidInput

router = APIRouter()


@router.get("/boards/{code}/messages", response_class=HTMLResponse)
async def messages_page(code: str, request: Request) -> Response:
    v = await visit(request)
    q = request.query_params
    try:
        page = int(q.get("page") or 1)
    except ValueError as exc:
        raise InvalidInput({"page": "number"}) from exc
    year = _year(request)
    state = q.get("state") or None
    view = await service.delivery_log(v.caller(), code, year, state=state, page=page)
    return render(
        v,
        "messages/log.html",
        {**view, "year": year, "state": state or "", "states": service.STATES, "section": "messages"},
    )
