"""Observation visits and their status (issue 18, screen 6): never any debrief text."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.entrypoints.pages import _year, render, visit
from services.console.service_layer import visits as service
from services.console.service_layer.errors import InvalidInput

router = APIRouter()


@router.get("/boards/{code}/visits", response_class=HTMLResponse)
async def visits_page(code: str, request: Request) -> Response:
    v = await visit(request)
    q = request.query_params
    try:
        page = int(q.get("page") or 1)
    except ValueError as exc:
        raise InvalidInput({"page": "number"}) from exc
    year = _year(request)
    status, sort = q.get("status") or None, q.get("sort") or "day"
    board, items, pages = await service.visits(v.caller(), code, year, status=status, sort=sort, page=page)
    return render(
        v,
        "visits/list.html",
        {
            "board": board,
            "visits": items,
            "pages": pages,
            "year": year,
            "filters": {"status": status or "", "sort": sort},
            "statuses": service.STATUSES,
            "section": "visits",
        },
    )
