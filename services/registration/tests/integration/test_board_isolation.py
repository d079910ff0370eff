"""Board isolation on every registration endpoint: staff of board A never see or touch board B."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from services.registration.tests.integration.conftest import Db
from services.registration.tests.integration.helpers import csv_bytes, person, run_import, upload
from services.registration.tests.integration.test_scim import ENTERPRISE, PATCH_OP, SCIM, user
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


@pytest.fixture
def board_b(registration: System, client: httpx.Client, admin: str) -> str:
    code = unique_board()
    response = client.post(
        f"{registration.url('registration')}/v1/boards", json={"code": code, "name": "B"}, headers=auth(admin)
    )
    assert response.status_code == 201
    return code


async def test_staff_of_one_board_get_404_for_another_boards_objects(
    registration: System, client: httpx.Client, admin: str, board: str, board_b: str, db: Db, token
):
    url = registration.url("registration")
    coordinator_a = token("board_coordinator", board=board)
    hr_a = token("hr_integration", board=board)
    staff_a = (coordinator_a, hr_a)

    # Boards.
    assert client.get(f"{url}/v1/boards/{board}", headers=auth(coordinator_a)).status_code == 200
    assert [b["code"] for b in client.get(f"{url}/v1/boards", headers=auth(coordinator_a)).json()] == [board]
    for who in staff_a:
        assert client.get(f"{url}/v1/boards/{board_b}", headers=auth(who)).status_code == 404
        assert (
            client.patch(f"{url}/v1/boards/{board_b}", json={"name": "x"}, headers=auth(who)).status_code
            == 403
        )
        assert client.delete(f"{url}/v1/boards/{board_b}", headers=auth(who)).status_code == 403

    # Schools.
    school_b = client.post(
        f"{url}/v1/schools", json={"board": board_b, "code": "S1", "name": "B school"}, headers=auth(admin)
    ).json()
    school_a = client.post(
        f"{url}/v1/schools", json={"board": board, "code": "S1", "name": "A school"}, headers=auth(admin)
    ).json()
    for who in staff_a:
        assert client.get(f"{url}/v1/schools/{school_b['id']}", headers=auth(who)).status_code == 404
        assert client.get(f"{url}/v1/schools/{school_a['id']}", headers=auth(who)).status_code == 200
        listed = client.get(f"{url}/v1/schools", headers=auth(who)).json()
        assert [s["id"] for s in listed] == [school_a["id"]]
        assert client.get(f"{url}/v1/schools", params={"board": board_b}, headers=auth(who)).json() == []
    assert (
        client.patch(
            f"{url}/v1/schools/{school_b['id']}", json={"name": "x"}, headers=auth(coordinator_a)
        ).status_code
        == 403
    )
    assert client.delete(f"{url}/v1/schools/{school_b['id']}", headers=auth(coordinator_a)).status_code == 403
    assert (
        client.post(
            f"{url}/v1/schools", json={"board": board, "code": "S2", "name": "x"}, headers=auth(coordinator_a)
        ).status_code
        == 403
    )

    # Participants.
    body_b: dict[str, Any] = {
        "board": board_b,
        "program_year": YEAR,
        **{k: v for k, v in person(1).items() if v},
    }
    body_b["subjects"], body_b["themes"] = ["Arts"], ["assessment"]
    participant_b = client.post(f"{url}/v1/participants", json=body_b, headers=auth(admin))
    assert participant_b.status_code == 201, participant_b.text
    pid = participant_b.json()["id"]
    for who in staff_a:
        assert client.get(f"{url}/v1/participants/{pid}", headers=auth(who)).status_code == 404
        assert (
            client.patch(f"{url}/v1/participants/{pid}", json={"school": "x"}, headers=auth(who)).status_code
            == 404
        )
        assert (
            client.post(f"{url}/v1/participants/{pid}/withdrawal", json={}, headers=auth(who)).status_code
            == 404
        )
        assert (
            client.get(f"{url}/v1/participants", params={"board": board_b}, headers=auth(who)).json()["total"]
            == 0
        )
        assert client.post(f"{url}/v1/participants", json=body_b, headers=auth(who)).status_code == 403

    # Imports: another board's import is invisible; importing into it is refused.
    import_b = run_import(
        client, url, admin, csv_bytes([person(2, email="")]), board=board_b, program_year=YEAR
    )
    assert import_b["board"] == board_b and import_b["failed_rows"] == 1
    for who in staff_a:
        assert client.get(f"{url}/v1/imports/{import_b['id']}", headers=auth(who)).status_code == 404
        assert client.get(f"{url}/v1/imports/{import_b['id']}/errors", headers=auth(who)).status_code == 404
        assert all(
            i["board"] == board for i in client.get(f"{url}/v1/imports", headers=auth(who)).json()["items"]
        )
        refused = upload(client, url, who, csv_bytes([person(3)]), board=board_b, program_year=YEAR)
        assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "board"
    participant = token("participant", board=board)
    assert client.get(f"{url}/v1/imports/{import_b['id']}", headers=auth(participant)).status_code == 403

    # An import for board A cannot create rows in board B: rows naming B are row errors.
    header = ["board", "hr_id", "role", "given_name", "family_name", "email"]
    mixed = csv_bytes([{**person(4), "board": board_b}, {**person(5), "board": board}, person(6)], header)
    report = run_import(client, url, coordinator_a, mixed, program_year=YEAR)
    assert (report["created_count"], report["failed_rows"]) == (2, 1)
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["column"] == "board"
    in_b = await db.fetch("SELECT hr_id FROM participants WHERE board = $1", board_b)
    assert [r["hr_id"] for r in in_b] == ["E00001"]
    assert all(r["n"] == 0 for r in await db.fetch(
        "SELECT count(*) AS n FROM outbox WHERE board = $1 AND convert_from(body, 'UTF8')::jsonb->'participant'->>'hr_id' = 'E00004'",
        board_b,
    ))  # fmt: skip

    # SCIM: another board's users do not exist for this token.
    base = f"{url}/scim/v2"
    headers = {**auth(hr_a), "Content-Type": SCIM}
    user_b = f"{base}/Users/{pid}"
    assert client.get(user_b, headers=headers).status_code == 404
    assert client.put(user_b, content=json.dumps(user("E00001")), headers=headers).status_code == 404
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert client.patch(user_b, content=json.dumps(patch), headers=headers).status_code == 404
    assert client.delete(user_b, headers=headers).status_code == 404
    filtered = client.get(f'{base}/Users?filter=userName eq "E00001"', headers=headers).json()
    assert filtered["totalResults"] == 0
    assert all(
        r[ENTERPRISE]["organization"] == board
        for r in client.get(f"{base}/Users", headers=headers).json()["Resources"]
    )
    into_b = client.post(f"{base}/Users", content=json.dumps(user("E-777", board=board_b)), headers=headers)
    assert into_b.status_code == 403 and into_b.json()["status"] == "403"
    hr_b = {**auth(token("hr_integration", board=board_b)), "Content-Type": SCIM}
    assert client.get(user_b, headers=hr_b).status_code == 200
    assert (await db.fetch("SELECT status FROM participants WHERE id = $1::uuid", pid))[0][
        "status"
    ] == "registered"
