"""Bulk imports over real HTTP, against the running service and its real database and outbox."""

from __future__ import annotations

import json

import httpx
import pytest

from services.registration.tests.bundles import ORGS, USERS_12, district_bundle, table, zip_bundle
from services.registration.tests.integration.conftest import MAX_UPLOAD, Db
from services.registration.tests.integration.helpers import (
    HEADER,
    csv_bytes,
    person,
    run_import,
    upload,
    wait_import,
)
from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


async def test_same_1000_rows_twice_registers_each_person_once_then_nothing(
    registration: System, client: httpx.Client, admin: str, board: str, db: Db, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    rows = [person(n) for n in range(1000)]
    mentors = sum(r["role"] == "mentor" for r in rows)
    content = csv_bytes(rows)

    first = run_import(client, url, coordinator, content, program_year=YEAR)
    assert first["state"] == "completed", first
    assert (first["total_rows"], first["processed_rows"], first["created_count"]) == (1000, 1000, 1000)
    assert first["failed_rows"] == 0 and first["errors"] == [] and first["encoding"] == "utf-8"
    assert await db.event_counts(board) == {"TeacherRegistered": 1000 - mentors, "MentorRegistered": mentors}
    per_person = await db.fetch(
        "SELECT convert_from(body, 'UTF8')::jsonb->'participant'->>'hr_id' AS hr_id, count(*) AS n FROM outbox "
        "WHERE board = $1 AND event_type <> 'ParticipantsCounted' GROUP BY 1",
        board,
    )
    assert len(per_person) == 1000 and {r["n"] for r in per_person} == {1}

    again = run_import(client, url, coordinator, content, program_year=YEAR)
    assert again["state"] == "completed" and again["unchanged_count"] == 1000
    assert again["created_count"] == again["updated_count"] == 0
    assert await db.event_counts(board) == {"TeacherRegistered": 1000 - mentors, "MentorRegistered": mentors}

    # One person's goals and another's school change: two updates, naming the changed fields.
    rows[3] = {**rows[3], "learning_goals": "Assessment for learning in grade 4"}
    rows[10] = {**rows[10], "school": "Maple Ridge PS", "subjects": "Arts;Music"}
    changed = run_import(client, url, coordinator, csv_bytes(rows), program_year=YEAR)
    assert (changed["updated_count"], changed["unchanged_count"]) == (2, 998)
    updates = await db.fetch(
        "SELECT body FROM outbox WHERE board = $1 AND event_type = 'ParticipantUpdated' ORDER BY id", board
    )
    bodies = [json.loads(r["body"]) for r in updates]
    assert [(b["participant"]["hr_id"], b["changed"], b["participant"]["revision"]) for b in bodies] == [
        ("E00003", ["learning_goals"], 2),
        ("E00010", ["school", "subjects"], 2),
    ]
    listed = client.get(
        f"{url}/v1/participants", params={"board": board, "limit": 1}, headers=auth(coordinator)
    ).json()
    assert listed["total"] == 1000
    assert listed["items"][0]["language"] == "fr"  # empty language column: the board's language


async def test_bad_rows_are_reported_by_row_and_column_and_good_rows_land(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = registration.url("registration")
    hr = token("hr_integration", board=board)
    rows = [
        person(1),  # row 2
        person(2, email=""),  # row 3: missing email
        person(3, themes="early_years_literacy;underwater_basketry"),  # row 4: unknown theme
        person(4, grade_band="grade 9"),  # row 5: bad grade band
        person(6, hr_id="E00001"),  # row 6: duplicate HR id (of row 2)
        person(8),  # row 7: good
    ]
    content = csv_bytes(rows) + b"E00009,beginning_teacher,Ana,Li\n"  # row 8: wrong column count
    content += csv_bytes([person(11)]).split(b"\n", 1)[1]  # row 9: good
    report = run_import(client, url, hr, content, program_year=YEAR)
    assert report["state"] == "completed"
    assert (report["created_count"], report["failed_rows"], report["error_count"]) == (3, 5, 5)
    errors = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert set(errors) == {(3, "email"), (4, "themes"), (5, "grade_band"), (6, "hr_id"), (8, "email")}
    assert "underwater_basketry" in errors[(4, "themes")]
    assert "row 2" in errors[(6, "hr_id")]
    assert f"expected {len(HEADER)} columns, found 4" in errors[(8, "email")]
    paged = client.get(
        f"{url}/v1/imports/{report['id']}/errors", params={"limit": 2, "offset": 1}, headers=auth(hr)
    ).json()
    assert paged["total"] == 5 and [e["row"] for e in paged["items"]] == [4, 5]

    stored = await db.fetch("SELECT hr_id FROM participants WHERE board = $1 ORDER BY hr_id", board)
    assert [r["hr_id"] for r in stored] == ["E00001", "E00008", "E00011"]
    counts = await db.event_counts(board)
    assert sum(counts.values()) == 3


async def test_french_names_in_latin1_and_bom_files_land_intact(
    registration: System, client: httpx.Client, board: str, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    latin1 = csv_bytes(
        [person(1, given_name="Françoise", family_name="Bélanger-Lévêque")], encoding="latin-1"
    )
    bom = b"\xef\xbb\xbf" + csv_bytes([person(2, given_name="Zoé", family_name="Côté")])
    assert run_import(client, url, coordinator, latin1, program_year=YEAR)["encoding"] == "cp1252"
    assert run_import(client, url, coordinator, bom, program_year=YEAR)["encoding"] == "utf-8-sig"
    items = client.get(f"{url}/v1/participants", params={"board": board}, headers=auth(coordinator)).json()
    names = sorted((p["given_name"], p["family_name"]) for p in items["items"])
    assert names == [("Françoise", "Bélanger-Lévêque"), ("Zoé", "Côté")]


async def test_oneroster_bundle_imports_participants_and_schools(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    bundle = district_bundle(prefix=f"{board}-")
    report = run_import(client, url, coordinator, bundle, program_year=YEAR)
    assert report["format"] == "oneroster" and report["state"] == "completed", report
    assert (report["total_rows"], report["created_count"], report["skipped_count"]) == (6, 5, 1)
    assert report["schools_count"] == 2 and report["error_count"] == 0

    schools = client.get(f"{url}/v1/schools", params={"board": board}, headers=auth(coordinator)).json()
    assert sorted((s["code"], s["name"]) for s in schools) == [
        (f"{board}-901234", "École Lavoie"),
        (f"{board}-905678", "Maple Ridge PS"),
    ]
    people = client.get(f"{url}/v1/participants", params={"board": board}, headers=auth(coordinator)).json()
    by_hr = {p["hr_id"]: p for p in people["items"]}
    assert {hr: p["role"] for hr, p in by_hr.items()} == {
        "T0000": "beginning_teacher",
        "T0001": "beginning_teacher",
        "T0002": "beginning_teacher",
        "P0001": "new_school_leader",
        "M0001": "mentor",
    }
    assert by_hr["T0000"]["school"] == "École Lavoie" and by_hr["T0000"]["themes"] == ["early_years_literacy"]
    assert by_hr["M0001"]["expertise_themes"] == ["intermediate_mathematics", "assessment"]
    assert await db.event_counts(board) == {"TeacherRegistered": 4, "MentorRegistered": 1}

    again = run_import(client, url, coordinator, bundle, program_year=YEAR)
    assert (again["unchanged_count"], again["created_count"], again["schools_count"]) == (5, 0, 0)
    assert await db.event_counts(board) == {"TeacherRegistered": 4, "MentorRegistered": 1}


async def test_a_withdrawn_row_withdraws_and_keeps_history(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    run_import(client, url, coordinator, csv_bytes([person(1), person(2)]), program_year=YEAR)
    report = run_import(
        client, url, coordinator, b"hr_id,status\nE00002,withdrawn\nE00099,withdrawn\n", program_year=YEAR
    )
    assert (report["withdrawn_count"], report["unchanged_count"], report["failed_rows"]) == (1, 1, 0)
    statuses = await db.fetch("SELECT hr_id, status FROM participants WHERE board = $1 ORDER BY hr_id", board)
    assert [(r["hr_id"], r["status"]) for r in statuses] == [
        ("E00001", "registered"),
        ("E00002", "withdrawn"),
    ]
    assert (await db.event_counts(board))["ParticipantWithdrawn"] == 1


async def test_an_import_cannot_change_a_participants_role(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    run_import(client, url, coordinator, csv_bytes([person(1)]), program_year=YEAR)
    report = run_import(
        client, url, coordinator, csv_bytes([person(1, role="new_school_leader")]), program_year=YEAR
    )
    assert report["failed_rows"] == 1 and report["errors"][0]["row"] == 2
    assert report["errors"][0]["column"] == "role"
    assert await db.event_counts(board) == {"TeacherRegistered": 1}


async def test_unusable_uploads_are_clear_problems(
    registration: System, client: httpx.Client, admin: str, board: str, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)

    def problem(response: httpx.Response, status: int, field: str | None) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if field:
            assert response.json()["errors"][0]["field"] == field

    problem(upload(client, url, coordinator, b""), 422, "file")
    assert "empty" in upload(client, url, coordinator, b"").json()["detail"]
    problem(upload(client, url, coordinator, b"hr_id,role\n"), 422, "file")
    problem(upload(client, url, coordinator, csv_bytes([person(1)]).replace(b"hr_id", b"hr")), 422, "file")
    problem(upload(client, url, coordinator, b"x" * (MAX_UPLOAD + 1)), 413, "file")
    problem(upload(client, url, coordinator, district_bundle()), 422, "program_year")
    problem(upload(client, url, coordinator, b"PK\x03\x04broken", program_year=YEAR), 422, "file")
    problem(upload(client, url, coordinator, csv_bytes([person(1)]), format="oneroster"), 422, "file")
    problem(
        upload(client, url, coordinator, csv_bytes([person(1)]), program_year="2026"), 422, "program_year"
    )
    problem(upload(client, url, admin, csv_bytes([person(1)])), 422, "board")
    problem(
        client.post(
            f"{url}/v1/imports", content=b"hr_id\n", headers={**auth(coordinator), "content-type": "text/csv"}
        ),
        415,
        None,
    )
    problem(
        client.post(f"{url}/v1/imports", files={"other": ("a", b"b")}, headers=auth(coordinator)), 422, "file"
    )
    assert client.post(f"{url}/v1/imports", files={"file": ("a.csv", b"x")}).status_code == 401
    participant = token("participant", board=board)
    assert upload(client, url, participant, csv_bytes([person(1)])).status_code == 403


async def test_an_import_resumes_after_the_process_is_killed_without_losing_or_doubling_anyone(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    rows = 12_000
    content = csv_bytes([person(n) for n in range(rows)])
    response = upload(client, url, coordinator, content, program_year=YEAR)
    assert response.status_code == 202
    import_id = response.json()["id"]
    process = registration.processes["registration"]
    # Kill -9 once some chunks are committed and others are not.
    while True:
        progress = client.get(f"{url}/v1/imports/{import_id}", headers=auth(coordinator)).json()
        assert progress["state"] != "completed", "the import finished before it could be interrupted"
        if progress["processed_rows"] >= 1000:
            break
    process.kill()
    interrupted = await db.fetch("SELECT next_row, state FROM imports WHERE id = $1::uuid", import_id)
    assert 0 < interrupted[0]["next_row"] < rows and interrupted[0]["state"] == "running"
    process.start()
    process.wait_ready()

    final = wait_import(client, url, coordinator, import_id, timeout=120)
    assert final["state"] == "completed" and final["created_count"] == rows, final
    assert final["attempts"] == 2
    counts = await db.event_counts(board)
    assert counts["TeacherRegistered"] + counts["MentorRegistered"] == rows
    duplicates = await db.fetch(
        "SELECT convert_from(body, 'UTF8')::jsonb->'participant'->>'hr_id' AS hr_id FROM outbox WHERE board = $1 "
        "AND event_type <> 'ParticipantsCounted' GROUP BY 1 HAVING count(*) > 1",
        board,
    )
    assert duplicates == []
    stored = await db.fetch("SELECT count(*) AS n FROM participants WHERE board = $1", board)
    assert stored[0]["n"] == rows
    leftover = await db.fetch("SELECT count(*) AS n FROM import_files WHERE import_id = $1::uuid", import_id)
    assert leftover[0]["n"] == 0


async def test_a_bundle_that_cannot_be_read_is_refused_at_upload_with_every_reason(
    registration: System, client: httpx.Client, board: str, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    bundle = zip_bundle(
        {
            "orgs.csv": table(ORGS, []),
            "users.csv": table(USERS_12, []),
            "mentorweb.csv": b"sourcedId,shoe_size\nu1,42\n",
        }
    )
    # Whole-bundle problems are one 422 at upload naming each of them, never a 202 then a failure.
    refused = upload(client, url, coordinator, bundle, filename="bundle.zip", program_year=YEAR)
    assert refused.status_code == 422, refused.text
    messages = [e["message"] for e in refused.json()["errors"] if e["field"] == "file"]
    assert any("shoe_size" in m for m in messages) and any(
        "users.csv" in m and "no rows" in m for m in messages
    )
    listed = client.get(f"{url}/v1/imports", headers=auth(coordinator)).json()["items"]
    assert listed == []  # nothing was queued


async def test_schools_in_a_file_are_linked_to_the_boards_schools_and_unknown_ones_reported(
    registration: System, client: httpx.Client, admin: str, board: str, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    for code, name in ((f"{board}-S04", "École Saint-Jean"), (f"{board}-S07", "Maple Ridge Public School")):
        made = client.post(
            f"{url}/v1/schools", json={"board": board, "code": code, "name": name}, headers=auth(admin)
        )
        assert made.status_code == 201, made.text
    rows = [
        person(1, school=f"{board.lower()}-s04"),  # row 2: by code, whatever the case
        person(2, school="ecole  saint-jean"),  # row 3: by name, typed without accent or care
        person(3, school="MAPLE RIDGE PUBLIC SCHOOL"),  # row 4
        person(4, school="Maple Ridge"),  # row 5: no such school
        person(6, school=""),  # row 6: no school given: nothing to link or report
    ]
    report = run_import(client, url, coordinator, csv_bytes(rows), program_year=YEAR)
    assert report["state"] == "completed", report
    # Every row is imported; the unknown school is reported beside them, not refused.
    assert (report["created_count"], report["failed_rows"], report["error_count"]) == (5, 0, 0)
    assert [(e["row"], e["column"], e["outcome"]) for e in report["errors"]] == [
        (5, "school", "unknown_school")
    ]
    assert "'Maple Ridge'" in report["errors"][0]["message"]
    listed = client.get(f"{url}/v1/imports/{report['id']}/errors", headers=auth(coordinator)).json()
    assert [e["outcome"] for e in listed["items"]] == ["unknown_school"]

    people = client.get(f"{url}/v1/participants", params={"board": board}, headers=auth(coordinator)).json()
    school_of = {p["hr_id"]: p["school"] for p in people["items"]}
    assert school_of == {
        "E00001": "École Saint-Jean",
        "E00002": "École Saint-Jean",
        "E00003": "Maple Ridge Public School",
        "E00004": "Maple Ridge",  # kept as written
        "E00006": None,
    }
    # The same file again: the linked names are what is stored, so nothing changed.
    again = run_import(client, url, coordinator, csv_bytes(rows), program_year=YEAR)
    assert (again["unchanged_count"], again["updated_count"]) == (5, 0)
