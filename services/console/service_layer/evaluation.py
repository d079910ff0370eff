"""What the evaluation screens need, asked of evaluation (and of matching for the hubs' names) with
the user's token. Evaluation gives aggregates only and applies its own suppression; the console asks
for nothing else (there is no route to anyone's answers, and this module calls none)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from services.console.adapters.services_api import ApiError
from services.console.domain import evaluation as views
from services.console.domain.reasons import Reason
from services.console.service_layer.errors import InvalidInput, NotFound, Refused
from services.console.service_layer.screens import (
    Caller,
    _ask,
    _maybe,
    _translate,
    all_hubs,
    all_people,
    board,
)


def _hub_names(hubs: list[dict[str, Any]], themes: dict[str, dict[str, Any]], lang: str) -> dict[str, str]:
    """A hub is called by its theme (in the reader's language when the theme is known), then its band."""
    names: dict[str, str] = {}
    for h in hubs:
        theme = themes.get(h["theme"])
        title = theme.get(f"name_{lang}") if theme else None
        names[str(h["id"])] = str(title or str(h["theme"]).replace("_", " ").capitalize())
    return names


def _people_names(hubs: list[dict[str, Any]], people: dict[str, dict[str, Any]]) -> dict[str, str]:
    names = {
        str(p["participant_id"]): p.get("display_name") or ""
        for h in hubs
        for p in (*(h.get("members") or []), *(h.get("leaders") or []))
    }
    for pid, p in people.items():
        names.setdefault(str(pid), f"{p.get('given_name', '')} {p.get('family_name', '')}".strip())
    return names


async def health(caller: Caller, code: str, year: str, lang: str) -> dict[str, Any]:
    """Engagement from events: per hub, on track or needing a check-in, and why."""
    row = await board(caller, code)
    api, token = caller.api, caller.token
    engagement, hubs, themes, people = await asyncio.gather(
        _ask(api.get("evaluation", f"/v1/boards/{code}/engagement", token, program_year=year)),
        all_hubs(caller, code, year),
        _maybe(api.get("registration", "/v1/themes", token), []),
        all_people(caller, code, year),
    )
    hub_names = _hub_names(hubs, {t["code"]: t for t in themes}, lang)
    return {
        "board": row,
        "engagement": engagement,
        "hubs": views.hub_health(engagement, hub_names),
        "check_ins": views.check_ins(engagement["needs_check_in"], hub_names, _people_names(hubs, people)),
    }


async def surveys(caller: Caller, code: str, year: str, now: datetime) -> dict[str, Any]:
    """The year's survey rounds with their response rates; a rate is shown only when evaluation shows
    the group (suppressed below its smallest group size)."""
    row = await board(caller, code)
    api, token = caller.api, caller.token
    found = await _ask(api.get("evaluation", f"/v1/boards/{code}/surveys", token, program_year=year))
    kinds = sorted({s["kind"] for s in found})

    async def results(kind: str) -> dict[str, Any] | None:
        return await _maybe(  # type: ignore[no-any-return]
            api.get("evaluation", f"/v1/boards/{code}/survey-results", token, program_year=year, kind=kind),
            None,
        )

    pooled = dict(zip(kinds, await asyncio.gather(*(results(k) for k in kinds)), strict=True))
    min_group = next((r["min_group"] for r in pooled.values() if r and "min_group" in r), None)
    questions: dict[str, dict[str, str]] = {}
    for s in found:
        for q in s.get("questions") or []:
            questions.setdefault(q["key"], q.get("text") or {})
    return {
        "questions": questions,
        "board": row,
        "rounds": views.round_rows(found, pooled, now),
        "results": pooled,
        "min_group": min_group,
        "openable": [k for k in views.ROUND_KINDS if views.can_open(k, found)],
    }


def _refused(exc: ApiError) -> Exception:
    """Evaluation's refusals as codes the templates word in the reader's language."""
    if exc.status not in (409, 422):
        return _translate(exc)
    detail = (exc.detail or "").lower()
    fields = {str(e.get("field")) for e in exc.problem.get("errors") or []}
    if "already open" in detail:
        code = "round_already_open"
    elif "already published" in detail:
        code = "harvest_already_published"
    elif "no theme" in detail:
        code = "harvest_without_themes"
    elif "no hub members" in detail:
        code = "no_one_to_invite"
    elif exc.status == 422 and fields - {"kind", "mode", "program_year", "closes_at"}:
        code = "question_set_incomplete"
    else:
        code = "evaluation_refused"
    return Refused([Reason(code, {}, exc.detail or "")])


async def open_round(caller: Caller, code: str, year: str, *, kind: str, mode: str) -> dict[str, Any]:
    bad = {}
    if kind not in views.ROUND_KINDS:
        bad["kind"] = "choice"
    if mode not in ("anonymous", "confidential"):
        bad["mode"] = "choice"
    if bad:
        raise InvalidInput(bad)
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "evaluation",
            f"/v1/boards/{code}/surveys",
            caller.token,
            {"program_year": year, "kind": kind, "mode": mode},
        )
    except ApiError as exc:
        raise _refused(exc) from exc


async def harvest(caller: Caller, code: str, year: str, lang: str) -> dict[str, Any]:
    row = await board(caller, code)
    api, token = caller.api, caller.token
    gathered, publication, hubs, themes = await asyncio.gather(
        _ask(api.get("evaluation", f"/v1/boards/{code}/harvest", token, program_year=year)),
        _maybe(api.get("evaluation", f"/v1/boards/{code}/harvest/publication", token, program_year=year), {}),
        all_hubs(caller, code, year),
        _maybe(api.get("registration", "/v1/themes", token), []),
    )
    return {
        "board": row,
        "harvest": gathered,
        "published_at": (publication or {}).get("published_at"),
        "hub_names": _hub_names(hubs, {t["code"]: t for t in themes}, lang),
    }


async def publish_harvest(caller: Caller, code: str, year: str) -> dict[str, Any]:
    await board(caller, code)
    try:
        return await caller.api.post(  # type: ignore[no-any-return]
            "evaluation", f"/v1/boards/{code}/harvest/publication", caller.token, None, program_year=year
        )
    except ApiError as exc:
        raise _refused(exc) from exc


async def report(caller: Caller, code: str | None, year: str) -> dict[str, Any]:
    """The report's figures (JSON) for the page beside its downloads; the province's for ``code`` None."""
    if code is None:
        if not caller.user.is_province_admin:
            raise NotFound("province report")
        return await _ask(
            caller.api.get("evaluation", "/v1/province/report", caller.token, program_year=year)
        )  # type: ignore[no-any-return]
    await board(caller, code)
    return await _ask(  # type: ignore[no-any-return]
        caller.api.get("evaluation", f"/v1/boards/{code}/report", caller.token, program_year=year)
    )


async def report_file(
    caller: Caller, code: str | None, year: str, fmt: str, lang: str
) -> tuple[bytes, str, str]:
    if fmt not in views.REPORT_FORMATS or lang not in ("en", "fr"):
        raise NotFound("report format")
    if code is None:
        if not caller.user.is_province_admin:
            raise NotFound("province report")
        path = "/v1/province/report"
    else:
        await board(caller, code)
        path = f"/v1/boards/{code}/report"
    return await _ask(
        caller.api.download("evaluation", path, caller.token, program_year=year, format=fmt, lang=lang)
    )


async def province(caller: Caller, year: str) -> dict[str, Any]:
    """Every board's engagement and the province's harvest: province staff only."""
    if not caller.user.is_province_admin:
        raise NotFound("province evaluation")
    api, token = caller.api, caller.token
    boards, engagement, gathered = await asyncio.gather(
        _ask(api.get("registration", "/v1/boards", token)),
        _ask(api.get("evaluation", "/v1/province/engagement", token, program_year=year)),
        _ask(api.get("evaluation", "/v1/province/harvest", token, program_year=year)),
    )
    names = {b["code"]: b.get("name") or b["code"] for b in boards}
    rows = sorted(
        (
            {
                "code": e["board"],
                "name": names.get(e["board"], e["board"]),
                "held": e["meetings_held"],
                "planned": e["meetings_planned"],
                "attendance_rate": e.get("attendance_rate"),
                "check_ins": len(e.get("needs_check_in") or []),
                "hubs": len(e.get("hubs") or []),
            }
            for e in engagement["boards"]
        ),
        key=lambda r: str(r["name"]).casefold(),
    )
    return {"rows": rows, "harvest": gathered, "board_names": names}
