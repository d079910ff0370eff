"""The whole life of an application over HTTP, its audit trail, and the events seen on the bus."""

from __future__ import annotations

import uuid

import pytest

from services.grants.tests.integration.helpers import BusListener, GrantsApi, application, unique_year
from shared.events.grants import GrantApproved, GrantDeclined, GrantPaid, GrantSubmitted, GrantWithdrawn
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_draft_submit_review_approve_pay_with_audit_and_events(api: GrantsApi, bus: BusListener, token):
    year, end = unique_year()
    board = unique_board()
    admin = token("province_admin")
    coordinator = token("board_coordinator", board=board)
    program = await api.program(admin, year, max_award="2000.00", budget="10000.00")
    assert program["deadline"] == f"{end}-06-30T23:59:59-06:00"  # June 30, end of day, Edmonton
    assert (program["budget"], program["awarded_total"], program["remaining"]) == (
        "10000.00",
        "0.00",
        "10000.00",
    )

    # A draft may start incomplete; submitting it says what is missing.
    draft = await api.ok(
        "POST", "/applications", coordinator, 201, json=application(year, contact=None, committee=[])
    )
    app_id = draft["id"]
    assert (draft["status"], draft["board"], draft["requested_total"]) == ("draft", board, "1500.50")
    assert draft["organisation"] == {
        "board_code": board,
        "association_local": "ATA Local 37",
        "display_name": f"{board} / ATA Local 37",
    }
    assert draft["missing_for_submission"] == ["contact", "committee"]
    incomplete = await api.call("POST", f"/applications/{app_id}/submission", coordinator)
    assert incomplete.status_code == 422
    assert incomplete.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in incomplete.json()["errors"]] == ["contact", "committee"]

    # One application per applicant, year and stream: a second create is refused, the draft is edited.
    second = await api.call("POST", "/applications", coordinator, json=application(year))
    assert second.status_code == 409, second.text
    assert second.json()["errors"][0]["field"] == "organisation"
    assert app_id in second.json()["detail"]
    full = application(year)
    edited = await api.ok(
        "PATCH",
        f"/applications/{app_id}",
        coordinator,
        json={"contact": full["contact"], "committee": full["committee"]},
    )
    assert edited["missing_for_submission"] == []
    assert [m["role"] for m in edited["committee"]] == ["local", "district"]

    submitted = await api.ok(
        "POST", f"/applications/{app_id}/submission", coordinator, json={"note": "Signed by the committee"}
    )
    assert submitted["status"] == "submitted" and submitted["submitted_at"]
    frozen = await api.call("PATCH", f"/applications/{app_id}", coordinator, json={"contact": None})
    assert frozen.status_code == 409

    # The reviewer finds it by status, stream and year.
    listed = await api.ok(
        "GET",
        "/applications",
        admin,
        params={"status": "submitted", "stream": "beginning_teacher", "program_year": year},
    )
    assert [item["id"] for item in listed["items"]] == [app_id] and listed["total"] == 1
    assert (await api.call("POST", f"/applications/{app_id}/review", coordinator)).status_code == 403
    await api.ok("POST", f"/applications/{app_id}/review", admin)
    too_much = await api.call(
        "POST", f"/applications/{app_id}/approval", admin, json={"awarded_amount": "1500.51"}
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "awarded_amount"
    approved = await api.ok(
        "POST",
        f"/applications/{app_id}/approval",
        admin,
        json={"awarded_amount": "1400.00", "note": "Travel capped"},
    )
    assert (approved["status"], approved["awarded_amount"]) == ("approved", "1400.00")
    after = await api.ok("GET", f"/programs/{program['id']}", admin)
    assert (after["awarded_total"], after["remaining"]) == ("1400.00", "8600.00")

    paid = await api.ok("POST", f"/applications/{app_id}/payment", admin, json={"note": "EFT 2291"})
    assert paid["status"] == "paid"
    assert (await api.ok("GET", f"/programs/{program['id']}", admin))["awarded_total"] == "1400.00"
    again = await api.call("POST", f"/applications/{app_id}/payment", admin)
    assert again.status_code == 409 and again.json()["title"] == "Invalid transition"

    # Every step audited: who, from, to, note (and when).
    audit = (await api.ok("GET", f"/applications/{app_id}", coordinator))["audit"]
    assert [(a["actor"], a["from_status"], a["to_status"], a["note"]) for a in audit] == [
        ("test-board_coordinator", None, "draft", None),
        ("test-board_coordinator", "draft", "submitted", "Signed by the committee"),
        ("test-province_admin", "submitted", "under_review", None),
        ("test-province_admin", "under_review", "approved", "Travel capped"),
        ("test-province_admin", "approved", "paid", "EFT 2291"),
    ]
    assert all(a["at"] for a in audit)

    seen = await bus.take(3, board=board)
    assert [key for key, _, _ in seen] == [
        "grants.grant_submitted.v1",
        "grants.grant_approved.v1",
        "grants.grant_paid.v1",
    ]
    submitted_event, approved_event, paid_event = (event for _, _, event in seen)
    assert isinstance(submitted_event, GrantSubmitted)
    assert isinstance(approved_event, GrantApproved) and isinstance(paid_event, GrantPaid)
    for message_id, event in ((m, e) for _, m, e in seen):
        assert message_id == str(event.event_id)
        assert event.application_id == uuid.UUID(app_id)
        assert (event.board, event.program_year, event.stream) == (board, year, "beginning_teacher")
        assert event.applicant_organisation == f"{board} / ATA Local 37"
        assert (event.contact_name, event.contact_email) == ("Dana Okafor", "dana.okafor@example.org")
        assert event.requested_total == "1500.50"
    assert approved_event.awarded_amount == paid_event.awarded_amount == "1400.00"
    assert await bus.nothing_more(board=board, wait=0.3)  # start_review publishes nothing


async def test_decline_and_withdrawal_are_published(api: GrantsApi, bus: BusListener, token):
    year, _ = unique_year()
    board = unique_board()
    admin = token("province_admin")
    coordinator = token("board_coordinator", board=board)
    await api.program(admin, year)
    declined = await api.draft(coordinator, year)
    await api.ok("POST", f"/applications/{declined['id']}/submission", coordinator)
    early = await api.call("POST", f"/applications/{declined['id']}/decline", admin, json={"reason": "x"})
    assert early.status_code == 409  # not under review yet
    await api.ok("POST", f"/applications/{declined['id']}/review", admin)
    no_reason = await api.call(
        "POST", f"/applications/{declined['id']}/decline", admin, json={"reason": "  "}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    result = await api.ok(
        "POST", f"/applications/{declined['id']}/decline", admin, json={"reason": "Program already funded"}
    )
    assert (result["status"], result["decline_reason"]) == ("declined", "Program already funded")

    # A second applicant in the same board (another local) withdraws its draft.
    withdrawn = await api.draft(coordinator, year, organisation={"association_local": "ATA Local 9"})
    result = await api.ok(
        "POST",
        f"/applications/{withdrawn['id']}/withdrawal",
        coordinator,
        json={"reason": "Merged with Local 37"},
    )
    assert (result["status"], result["withdrawal_reason"]) == ("withdrawn", "Merged with Local 37")
    assert (
        await api.call("POST", f"/applications/{withdrawn['id']}/submission", coordinator)
    ).status_code == 409

    seen = [event for _, _, event in await bus.take(3, board=board)]
    assert [type(e) for e in seen] == [GrantSubmitted, GrantDeclined, GrantWithdrawn]
    assert seen[1].reason == "Program already funded"  # type: ignore[attr-defined]
    assert seen[2].reason == "Merged with Local 37"  # type: ignore[attr-defined]
    assert seen[2].applicant_organisation == f"{board} / ATA Local 9"


async def test_draft_edits_move_between_streams_and_keep_one_application_per_applicant(api: GrantsApi, token):
    year, _ = unique_year()
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    teachers = await api.program(admin, year)
    leaders = await api.program(admin, year, stream="school_leadership")
    first = await api.draft(coordinator, year)
    second = await api.draft(coordinator, year, organisation={"association_local": "ATA Local 9"})
    assert first["program_id"] == teachers["id"]

    leadership = {"stream": "school_leadership", "expected_mentees": 3, "expected_mentors": 2}
    moved = await api.ok("PATCH", f"/applications/{first['id']}", coordinator, json={"program": leadership})
    assert (moved["stream"], moved["program_id"]) == ("school_leadership", leaders["id"])
    # The same applicant may hold one draft per stream, and the place it left is free again.
    back = await api.draft(coordinator, year, organisation={"association_local": "ata local 37 "})
    assert back["program_id"] == teachers["id"]

    # Renaming the second draft's local into the first's (same stream) collides: 409, nothing changes.
    clash = await api.call(
        "PATCH",
        f"/applications/{second['id']}",
        coordinator,
        json={"organisation": {"association_local": "ATA LOCAL 37"}},
    )
    assert clash.status_code == 409, clash.text
    assert back["id"] in clash.json()["detail"]
    unchanged = await api.ok("GET", f"/applications/{second['id']}", coordinator)
    assert unchanged["organisation"]["association_local"] == "ATA Local 9"

    no_program = await api.call("PATCH", f"/applications/{second['id']}", coordinator, json={"program": None})
    assert no_program.status_code == 422 and no_program.json()["errors"][0]["field"] == "program"
    bad_member = await api.call(
        "PATCH",
        f"/applications/{second['id']}",
        coordinator,
        json={"committee": [{"name": " ", "role": "local"}]},
    )
    assert bad_member.status_code == 422 and bad_member.json()["errors"][0]["field"] == "committee.0.name"
    bad_email = await api.call(
        "PATCH",
        f"/applications/{second['id']}",
        coordinator,
        json={"contact": {"name": "A", "email": "nope"}},
    )
    assert bad_email.status_code == 422 and bad_email.json()["errors"][0]["field"] == "contact.email"
    unknown = await api.call(
        "PATCH", f"/applications/{second['id']}", coordinator, json={"status": "approved"}
    )
    assert unknown.status_code == 422  # no mass assignment of the status

    no_program_year, _ = unique_year()
    missing = await api.call("POST", "/applications", coordinator, json=application(no_program_year))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "program.stream"
