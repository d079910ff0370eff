"""The participant portal's pages: beginning teachers, new school leaders, mentors and hub leaders see
and change their own things. Every URL names the participant; any id but the signed-in participant's
own answers 404 here, and the services check the token again behind it.

Thin, as pages.py: read the request, check the session and its CSRF token, call a use case, render.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.domain.language import LANGUAGES
from services.console.entrypoints.pages import Visit, checked_form, redirect, render, visit
from services.console.service_layer import portal
from services.console.service_layer.errors import InvalidInput, NotFound, NotSignedIn

router = APIRouter()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_THEMES = 3


def me(v: Visit, participant_id: uuid.UUID | None = None) -> portal.Participant:
    """The signed-in participant, if ``participant_id`` (from the URL) is theirs; 404 otherwise."""
    session = v.session
    if session is None or session.user is None or session.tokens is None:
        raise NotSignedIn()
    user = session.user
    if not user.is_participant:
        raise NotFound("the portal is for participants")
    if participant_id is not None and str(participant_id) != user.participant_id:
        raise NotFound("not yours")
    return portal.Participant(user, session.tokens.access_token, v.console.api)


def _uuid(value: str) -> str:
    if not UUID.match(value):
        raise NotFound("no such thing")
    return value


def page(
    v: Visit, template: str, p: portal.Participant, section: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    return render(v, f"portal/{template}", {"me": p.id, "portal_section": section, **context}, status=status)


@router.get("/portal", response_class=HTMLResponse)
async def portal_home(request: Request) -> Response:
    v = await visit(request)
    return redirect(v, f"/portal/{me(v).id}")


@router.get("/portal/goals", response_class=HTMLResponse)
async def goals_link(request: Request) -> Response:
    """Emails link to pages without an id in them: on to the signed-in participant's own page."""
    v = await visit(request)
    return redirect(v, f"/portal/{me(v).id}/goals")


@router.get("/portal/sessions", response_class=HTMLResponse)
async def sessions_link(request: Request) -> Response:
    v = await visit(request)
    return redirect(v, f"/portal/{me(v).id}/sessions")


@router.get("/portal/{participant_id:uuid}", response_class=HTMLResponse)
async def mentoring_web(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    context = await portal.mentoring_web(p)
    recorded = request.query_params.get("recorded", "")
    return page(v, "web.html", p, "web", {**context, "recorded": recorded if UUID.match(recorded) else None})


@router.get("/portal/{participant_id:uuid}/meetings/{meeting_id}/attendance", response_class=HTMLResponse)
async def attendance(participant_id: uuid.UUID, meeting_id: str, request: Request) -> Response:
    """A hub leader records who came to a meeting of their hub that has started; 404 for anyone else."""
    v = await visit(request)
    p = me(v, participant_id)
    return page(v, "attendance.html", p, "web", await portal.attendance(p, _uuid(meeting_id)))


@router.post("/portal/{participant_id:uuid}/meetings/{meeting_id}/attendance")
async def record_attendance(participant_id: uuid.UUID, meeting_id: str, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    await checked_form(v)
    present = [str(x) for x in (await request.form()).getlist("present")]
    context = await portal.attendance(p, _uuid(meeting_id))
    everyone = [str(x["participant_id"]) for x in context["people"]]
    errors: dict[str, str] = {}
    if not present:
        errors["present"] = "required"
    elif any(x not in everyone for x in present):
        errors["present"] = "invalid"
    else:
        try:
            await portal.record_attendance(p, meeting_id, present, everyone)
        except InvalidInput as invalid:
            errors = {"present": next(iter(invalid.fields.values()), "invalid")}
    if errors:
        return page(
            v, "attendance.html", p, "web", {**context, "errors": errors, "checked": present}, status=422
        )
    return redirect(v, f"/portal/{p.id}?recorded={meeting_id}#hubs-i-lead")


@router.get("/portal/{participant_id:uuid}/goals", response_class=HTMLResponse)
async def goals(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    saved = request.query_params.get("saved") == "1"
    return page(
        v, "goals.html", p, "goals", {**await portal.goals(p), "saved": saved, "slots": range(MAX_THEMES)}
    )


@router.post("/portal/{participant_id:uuid}/goals")
async def save_goals(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    fields = await checked_form(v)
    chosen = [fields.get(f"theme_{i}", "").strip() for i in range(MAX_THEMES)]
    themes = [t for t in chosen if t]
    errors: dict[str, str] = {}
    if len(set(themes)) != len(themes):
        errors["theme_1"] = "duplicate"
    if len(fields.get("learning_goals", "")) > 4000:
        errors["learning_goals"] = "too_long"
    if not errors:
        try:
            await portal.save_goals(p, fields.get("learning_goals", ""), themes)
        except InvalidInput as invalid:
            errors = {("theme_0" if k == "themes" else k): v for k, v in invalid.fields.items()}
    if errors:
        context = await portal.goals(p)
        context["record"] = {
            **context["record"],
            "learning_goals": fields.get("learning_goals", ""),
            "themes": chosen,
        }
        return page(
            v, "goals.html", p, "goals", {**context, "errors": errors, "slots": range(MAX_THEMES)}, status=422
        )
    return redirect(v, f"/portal/{p.id}/goals?saved=1")


DONE = ("enrolled", "waitlisted", "withdrawn")


@router.get("/portal/{participant_id:uuid}/sessions", response_class=HTMLResponse)
async def sessions(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    done = request.query_params.get("done")
    return page(
        v,
        "sessions.html",
        p,
        "sessions",
        {**await portal.sessions(p), "done": done if done in DONE else None},
    )


@router.post("/portal/{participant_id:uuid}/sessions/{session_id}/{action}")
async def change_enrolment(
    participant_id: uuid.UUID, session_id: str, action: str, request: Request
) -> Response:
    if action not in ("enrol", "withdraw"):
        raise NotFound("action")
    v = await visit(request)
    p = me(v, participant_id)
    await checked_form(v)
    _uuid(session_id)
    if action == "enrol":
        try:
            enrolment = await portal.enrol(p, session_id)
        except InvalidInput:
            context = await portal.sessions(p)
            return page(
                v,
                "sessions.html",
                p,
                "sessions",
                {**context, "refused": session_id, "done": None},
                status=409,
            )
        done = "waitlisted" if enrolment["status"] == "waitlisted" else "enrolled"
    else:
        await portal.withdraw(p, session_id)
        done = "withdrawn"
    return redirect(v, f"/portal/{p.id}/sessions?done={done}#session-{session_id}")


@router.get("/portal/calendar", response_class=HTMLResponse)
async def calendar_link(request: Request) -> Response:
    v = await visit(request)
    return redirect(v, f"/portal/{me(v).id}/calendar")


@router.get("/portal/{participant_id:uuid}/calendar", response_class=HTMLResponse)
async def calendar(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    done = request.query_params.get("done")
    return page(
        v,
        "calendar.html",
        p,
        "calendar",
        {**await portal.calendar(p), "done": done if done in ("revoked",) else None, "new_url": None},
    )


@router.get("/portal/{participant_id:uuid}/calendar/{item_id}.ics")
async def calendar_entry(participant_id: uuid.UUID, item_id: str, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    text = await portal.entry_ics(p, _uuid(item_id))
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="mentorweb-{item_id}.ics"'},
    )


@router.post("/portal/{participant_id:uuid}/calendar-feed/{action}")
async def calendar_feed(participant_id: uuid.UUID, action: str, request: Request) -> Response:
    if action not in ("new", "revoke"):
        raise NotFound("action")
    v = await visit(request)
    p = me(v, participant_id)
    await checked_form(v)
    if action == "revoke":
        await portal.revoke_feed(p)
        return redirect(v, f"/portal/{p.id}/calendar?done=revoked")
    url = await portal.new_feed(p)
    # Shown on this answer only (never in a URL, never stored here): the service keeps just its hash.
    return page(v, "calendar.html", p, "calendar", {**await portal.calendar(p), "done": None, "new_url": url})


@router.get("/portal/preferences", response_class=HTMLResponse)
async def preferences_link(request: Request) -> Response:
    v = await visit(request)
    return redirect(v, f"/portal/{me(v).id}/preferences")


@router.get("/portal/{participant_id:uuid}/preferences", response_class=HTMLResponse)
async def preferences(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    saved = request.query_params.get("saved") == "1"
    return page(v, "preferences.html", p, "preferences", {**await portal.preferences(p), "saved": saved})


@router.post("/portal/{participant_id:uuid}/preferences")
async def save_preferences(participant_id: uuid.UUID, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    fields = await checked_form(v)
    language, delivery = fields.get("language", ""), fields.get("delivery_preference", "")
    errors = {}
    if language not in LANGUAGES:
        errors["language"] = "choose"
    if delivery not in ("immediate", "weekly_digest"):
        errors["delivery_preference"] = "choose"
    if errors:
        context = await portal.preferences(p)
        return page(v, "preferences.html", p, "preferences", {**context, "errors": errors}, status=422)
    await portal.save_preferences(
        p, language=language, delivery=delivery, unsubscribed=fields.get("unsubscribed") == "yes"
    )
    assert v.session is not None
    v.session = await v.console.sessions.set_language(v.session, language)  # the portal follows at once
    return redirect(v, f"/portal/{p.id}/preferences?saved=1")


@router.get("/portal/{participant_id:uuid}/observations/{observation_id}", response_class=HTMLResponse)
async def observation(participant_id: uuid.UUID, observation_id: str, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    context = await portal.observation(p, _uuid(observation_id))
    saved = request.query_params.get("saved") == "1"
    return page(v, "observation.html", p, "calendar", {**context, "saved": saved, "obs_id": observation_id})


@router.post("/portal/{participant_id:uuid}/observations/{observation_id}/debrief")
async def write_debrief(participant_id: uuid.UUID, observation_id: str, request: Request) -> Response:
    v = await visit(request)
    p = me(v, participant_id)
    fields = await checked_form(v)
    _uuid(observation_id)
    body = fields.get("body", "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = "required"
    else:
        mentor = fields.get("mentor_id") or None
        try:
            await portal.write_debrief(p, observation_id, body, _uuid(mentor) if mentor else None)
        except InvalidInput as invalid:
            errors = {k if k in ("body", "mentor_id") else "body": "invalid" for k in invalid.fields}
    if errors:
        context = await portal.observation(p, observation_id)
        draft = {"body": fields.get("body", ""), "mentor_id": fields.get("mentor_id")}
        return page(
            v,
            "observation.html",
            p,
            "calendar",
            {**context, "mine": draft, "errors": errors, "obs_id": observation_id, "saved": False},
            status=422,
        )
    return redirect(v, f"/portal/{p.id}/observations/{observation_id}?saved=1")
