"""Imports say everything once: a whole-file problem is one 422 at upload naming every field at
fault (nothing queued); every OneRoster user, role or org skipped or refused is listed with its
file, row and reason, and every good row is imported."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from services.registration.tests.bundles import ROLES, district_bundle, table, zip_bundle
from services.registration.tests.integration.helpers import HEADER, csv_bytes, person, run_import, upload
from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


def files_of(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name.split("/")[-1]: archive.read(name) for name in archive.namelist()}


async def test_a_csv_without_a_program_year_is_one_422_at_upload(
    registration: System, client: httpx.Client, board, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    content = csv_bytes([person(n) for n in range(1, 6)])  # no program_year column
    refused = upload(client, url, coordinator, content)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["program_year"]
    assert client.get(f"{url}/v1/imports", headers=auth(coordinator)).json()["items"] == []

    # A program_year column empty on every row is the same whole-file problem.
    blank = csv_bytes([{**person(1), "program_year": ""}], header=[*HEADER, "program_year"])
    assert upload(client, url, coordinator, blank).json()["errors"][0]["field"] == "program_year"

    # Every problem of the request at once: an unknown column, a bad format name and a bad year.
    bad = csv_bytes([person(1)]).replace(b"hr_id", b"hr_ident")
    several = upload(client, url, coordinator, bad, program_year="2026", format="excel")
    assert several.status_code == 422
    assert sorted(e["field"] for e in several.json()["errors"]) == ["file", "format", "program_year"]

    # Given the year, the same file imports.
    report = run_import(client, url, coordinator, content, program_year=YEAR)
    assert report["state"] == "completed" and report["created_count"] == 5 and report["failed_rows"] == 0


async def test_oneroster_lists_every_skipped_or_refused_row_and_imports_the_good_ones(
    registration: System, client: httpx.Client, board, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    files = files_of(district_bundle(prefix=f"{board}-"))
    users = files["users.csv"].decode().rstrip("\r\n").split("\r\n")
    width = len(users[0].split(","))
    gone = [""] * width
    header = users[0].split(",")
    for column, value in {
        "sourcedId": f"{board}-gone",
        "status": "tobedeleted",
        "givenName": "Gone",
        "familyName": "Away",
        "identifier": "G0001",
        "email": "gone@elmwood.example",
        "primaryOrgSourcedId": f"{board}-sch-1",
    }.items():
        gone[header.index(column)] = value
    users.append(",".join(gone))  # row 8: a leaver nobody registered
    users.append(f"{board}-short,,2026-08-20,true")  # row 9: a short row
    files["users.csv"] = ("\r\n".join(users) + "\r\n").encode()
    roles = files["roles.csv"].decode()
    ghost = (
        table(
            ROLES,
            [
                {
                    "sourcedId": "r-ghost",
                    "userSourcedId": "ghost",
                    "roleType": "primary",
                    "role": "teacher",
                    "orgSourcedId": "nowhere",
                }
            ],
        )
        .decode()
        .split("\r\n", 1)[1]
    )
    files["roles.csv"] = (roles + ghost).encode()  # row 8 of roles.csv
    bundle = zip_bundle(files)

    report = run_import(client, url, coordinator, bundle, program_year=YEAR)
    assert report["state"] == "completed", report
    listed = client.get(f"{url}/v1/imports/{report['id']}/errors", headers=auth(coordinator)).json()["items"]
    found = {(e["file"], e["row"], e["column"], e["outcome"]): e["message"] for e in listed}
    assert "expected 23 columns, found 4" in found[("users.csv", 9, None, "refused")]
    assert "nothing to withdraw" in found[("users.csv", 8, "status", "skipped")]
    assert "'ghost' is not in users.csv" in found[("roles.csv", 8, "userSourcedId", "refused")]
    assert "'nowhere' is not in orgs.csv" in found[("roles.csv", 8, "orgSourcedId", "refused")]
    assert "student" in found[("users.csv", 6, "role", "skipped")]
    assert len(found) == 5, found
    # Every good row is imported: three teachers, the principal and the mentor.
    assert (report["created_count"], report["failed_rows"], report["skipped_count"]) == (5, 1, 1)
    people = client.get(f"{url}/v1/participants", params={"board": board}, headers=auth(coordinator)).json()
    assert people["total"] == 5

    # A leaver who was registered is withdrawn, and listed as such.
    users = files["users.csv"].decode().split("\r\n")
    t2 = next(i for i, line in enumerate(users) if line.startswith(f"{board}-t2,"))
    cells = users[t2].split(",")
    cells[header.index("status")] = "tobedeleted"
    users[t2] = ",".join(cells)
    files["users.csv"] = "\r\n".join(users).encode()
    again = run_import(client, url, coordinator, zip_bundle(files), program_year=YEAR)
    assert again["withdrawn_count"] == 1
    listed = client.get(f"{url}/v1/imports/{again['id']}/errors", headers=auth(coordinator)).json()["items"]
    assert {
        (e["row"], e["outcome"]) for e in listed if e["file"] == "users.csv" and e["column"] == "status"
    } == {
        (t2 + 1, "withdrawn"),
        (8, "skipped"),
    }
