"""Start-up grants (issue 18, screen 7): a board's applications with line items in dollars and cents
(Babel's currency formatting for en-CA and fr-CA), submit a draft; the province's review queue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.entrypoints.calendar import MEETING_ID
from services.console.entrypoints.pages import _year, checked_form, redirect, render, visit
from services.console.service_layer import grants as service
from services.console.service_layer.calendar import FieldErrors
from services.console.service_layer.errors import NotFound

router = APIRouter()


@router.get("/boards/{code}/grants", response_class=HTMLResponse)
async def grants_page(code: str, request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    view = await service.board_applications(v.caller(), code, year)
    done = request.query_params.get("done")
    return render(
        v,
        "grants/board.html",
        {**view, "year": year, "section": "grants", "done": done == "submitted", "errors": {}},
    )


@router.post("/boards/{code}/grants/{application_id}/submit", response_class=HTMLResponse)
async def submit(code: str, application_id: str, request: Request) -> Response:
    if not MEETING_ID.match(application_id):
        raise NotFound("application")
    v = await visit(request)
    caller = v.caller()
    await checked_form(v)
    year = _year(request)
    try:
        await service.submit(caller, code, application_id)
    except FieldErrors as refused:
        view = await service.board_applications(caller, code, year)
        return render(
            v,
            "grants/board.html",
            {
                **view,
                "year": year,
                "section": "grants",
                "done": False,
                "errors": refused.fields,
                "refused_id": application_id,
            },
            status=refused.status,
        )
    return redirect(v, f"/boards/{code}/grants?year={year}&done=submitted")


@router.get("/province/grants", response_class=HTMLResponse)
async def review_queue(request: Request) -> Response:
    v = await visit(request)
    year = _year(request)
    items = await service.review_queue(v.caller(), year)
    return render(v, "grants/queue.html", {"applications": items, "year": year})
