"""Boards, schools and the theme taxonomy over HTTP (province staff write, board staff read)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.registration.tests.integration.helpers import csv_bytes, person, run_import
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_new_theme_is_listed_and_usable_at_once(
    registration: System, client: httpx.Client, admin: str, board: str, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    code = f"outdoor_{uuid.uuid4().hex[:6]}"
    theme = {"code": code, "name_en": "Outdoor education", "name_fr": "Éducation en plein air"}
    assert client.post(f"{url}/v1/themes", json=theme, headers=auth(coordinator)).status_code == 403
    created = client.post(f"{url}/v1/themes", json=theme, headers=auth(admin))
    assert created.status_code == 201 and created.json() == theme
    duplicate = client.post(f"{url}/v1/themes", json=theme, headers=auth(admin))
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "code"
    bad = client.post(f"{url}/v1/themes", json={**theme, "code": "Not A Code"}, headers=auth(admin))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    listed = client.get(f"{url}/v1/themes", headers=auth(token("participant", board=board))).json()
    assert theme in listed and any(t["code"] == "early_years_literacy" for t in listed)

    report = run_import(
        client, url, coordinator, csv_bytes([person(1, themes=code)]), program_year="2026-2027"
    )
    assert report["created_count"] == 1 and report["errors"] == []


async def test_schools_crud(registration: System, client: httpx.Client, admin: str, board: str, token):
    url = registration.url("registration")
    school = client.post(
        f"{url}/v1/schools",
        json={"board": board, "code": "901234", "name": "École Lavoie"},
        headers=auth(admin),
    )
    assert school.status_code == 201, school.text
    sid = school.json()["id"]
    again = client.post(
        f"{url}/v1/schools", json={"board": board, "code": "901234", "name": "x"}, headers=auth(admin)
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "code"
    unknown = client.post(
        f"{url}/v1/schools", json={"board": "NOPE1", "code": "1", "name": "x"}, headers=auth(admin)
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "board"
    renamed = client.patch(f"{url}/v1/schools/{sid}", json={"name": "École Lavoie-Sud"}, headers=auth(admin))
    assert renamed.status_code == 200 and renamed.json()["name"] == "École Lavoie-Sud"
    coordinator = token("board_coordinator", board=board)
    assert client.get(f"{url}/v1/schools/{sid}", headers=auth(coordinator)).json()["code"] == "901234"
    assert client.delete(f"{url}/v1/schools/{sid}", headers=auth(admin)).status_code == 204
    assert client.get(f"{url}/v1/schools/{sid}", headers=auth(admin)).status_code == 404


async def test_boards_read_update_and_delete_only_when_unused(
    registration: System, client: httpx.Client, admin: str, board: str, token
):
    url = registration.url("registration")
    updated = client.patch(f"{url}/v1/boards/{board}", json={"region": "North"}, headers=auth(admin))
    assert updated.status_code == 200 and updated.json()["region"] == "North"
    assert (
        client.patch(f"{url}/v1/boards/{board}", json={"name": None}, headers=auth(admin)).status_code == 422
    )
    coordinator = token("board_coordinator", board=board)
    assert client.get(f"{url}/v1/boards/{board}", headers=auth(coordinator)).json()["language"] == "fr"
    run_import(client, url, coordinator, csv_bytes([person(1)]), program_year="2026-2027")
    in_use = client.delete(f"{url}/v1/boards/{board}", headers=auth(admin))
    assert in_use.status_code == 409 and "participants" in in_use.json()["detail"]

    empty = unique_board()
    assert (
        client.post(
            f"{url}/v1/boards", json={"code": empty, "name": "Empty"}, headers=auth(admin)
        ).status_code
        == 201
    )
    assert client.delete(f"{url}/v1/boards/{empty}", headers=auth(admin)).status_code == 204
    assert client.get(f"{url}/v1/boards/{empty}", headers=auth(admin)).status_code == 404
