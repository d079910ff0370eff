"""SCIM 2.0 /scim/v2/Users over real HTTP: provisioning, filters, PATCH, DELETE and error bodies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from services.registration.tests.integration.conftest import Db
from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SCIM = "application/scim+json"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MENTORWEB = "urn:mentorweb:params:scim:schemas:extension:participant:1.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(hr_id: str, board: str | None = None, **extension: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE, MENTORWEB],
        "externalId": f"idp-{hr_id}",
        "userName": hr_id,
        "name": {"givenName": "Zoé", "familyName": "Côté"},
        "emails": [{"value": f"{hr_id.lower()}@elmwood.example", "type": "work", "primary": True}],
        "preferredLanguage": "fr-CA",
        "active": True,
        ENTERPRISE: {"employeeNumber": hr_id, **({"organization": board} if board else {})},
        MENTORWEB: {"programYear": "2026-2027", "gradeBand": "primary", "themes": ["early_years_literacy"],
                    "learningGoals": "Guided reading", **extension},
    }  # fmt: skip
    return body


def scim(client: httpx.Client, method: str, url: str, token: str, body: Any = None) -> httpx.Response:
    headers = {**auth(token), "Content-Type": SCIM, "Accept": SCIM}
    content = json.dumps(body) if body is not None else None
    return client.request(method, url, content=content, headers=headers)


def assert_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM)
    body: dict[str, Any] = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type
    return body


async def test_provisioning_lifecycle_emits_the_events(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)
    hr_id = f"E-{uuid.uuid4().hex[:6]}"

    created = scim(client, "POST", f"{base}/Users", hr, user(hr_id))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(SCIM)
    resource = created.json()
    assert created.headers["location"] == resource["meta"]["location"]
    assert resource["userName"] == hr_id and resource["active"] is True
    assert resource[ENTERPRISE] == {"employeeNumber": hr_id, "organization": board}
    assert (
        resource[MENTORWEB]["role"] == "beginning_teacher" and resource[MENTORWEB]["status"] == "registered"
    )
    user_url = f"{base}/Users/{resource['id']}"
    assert scim(client, "GET", user_url, hr).json()["id"] == resource["id"]

    # Filter by userName (case-insensitive) and by externalId: a ListResponse.
    found = scim(client, "GET", f'{base}/Users?filter=userName eq "{hr_id.lower()}"', hr)
    assert found.status_code == 200 and found.headers["content-type"].startswith(SCIM)
    listing = found.json()
    assert listing["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (listing["totalResults"], listing["startIndex"], listing["itemsPerPage"]) == (1, 1, 1)
    assert listing["Resources"][0]["id"] == resource["id"]
    by_external = scim(client, "GET", f'{base}/Users?filter=externalId eq "idp-{hr_id}"', hr).json()
    assert by_external["totalResults"] == 1
    none = scim(client, "GET", f'{base}/Users?filter=userName eq "nobody"', hr).json()
    assert none["totalResults"] == 0 and none["Resources"] == []

    # PUT from a plain identity provider (no Mentorweb extension): names change, program data stays.
    plain = user(hr_id)
    plain.pop(MENTORWEB)
    plain["name"] = {"givenName": "Zoé", "familyName": "Tremblay"}
    replaced = scim(client, "PUT", user_url, hr, plain)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"]["familyName"] == "Tremblay"
    assert replaced.json()[MENTORWEB]["themes"] == ["early_years_literacy"]

    deactivated = scim(
        client,
        "PATCH",
        user_url,
        hr,
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]},
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False and deactivated.json()[MENTORWEB]["status"] == "withdrawn"
    assert await db.event_counts(board) == {
        "TeacherRegistered": 1,
        "ParticipantUpdated": 1,
        "ParticipantWithdrawn": 1,
    }
    withdrawn = await db.fetch(
        "SELECT body FROM outbox WHERE board = $1 AND event_type = 'ParticipantWithdrawn'", board
    )
    event = json.loads(withdrawn[0]["body"])
    assert event["participant"]["participant_id"] == resource["id"] and event["reason"]

    # Deactivating again changes nothing and emits nothing.
    again = scim(
        client,
        "PATCH",
        user_url,
        hr,
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert again.status_code == 200
    assert (await db.event_counts(board))["ParticipantWithdrawn"] == 1

    # DELETE: gone for SCIM, history kept in /v1.
    assert scim(client, "DELETE", user_url, hr).status_code == 204
    assert_error(scim(client, "GET", user_url, hr), 404)
    assert scim(client, "GET", f'{base}/Users?filter=userName eq "{hr_id}"', hr).json()["totalResults"] == 0
    kept = client.get(
        f"{registration.url('registration')}/v1/participants/{resource['id']}", headers=auth(hr)
    )
    assert kept.status_code == 200 and kept.json()["status"] == "withdrawn"

    # Created again: the same participant comes back, registered.
    back = scim(client, "POST", f"{base}/Users", hr, user(hr_id))
    assert back.status_code == 201 and back.json()["id"] == resource["id"] and back.json()["active"] is True
    assert (await db.event_counts(board))["TeacherRegistered"] == 2


async def test_scim_errors_are_conformant(registration: System, client: httpx.Client, board: str, token):
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)

    assert_error(scim(client, "GET", f'{base}/Users?filter=userName xx "E"', hr), 400, "invalidFilter")
    assert_error(scim(client, "GET", f'{base}/Users?filter=nickName eq "x"', hr), 400, "invalidFilter")
    assert_error(scim(client, "GET", f"{base}/Users?filter=userName eq", hr), 400, "invalidFilter")
    missing = assert_error(scim(client, "GET", f"{base}/Users/{uuid.uuid4()}", hr), 404)
    assert "not found" in missing["detail"]
    assert_error(scim(client, "GET", f"{base}/Users/not-a-uuid", hr), 404)
    assert_error(
        scim(client, "PATCH", f"{base}/Users/{uuid.uuid4()}", hr, {"schemas": [PATCH_OP], "Operations": []}),
        404,
    )

    hr_id = f"E-{uuid.uuid4().hex[:6]}"
    assert scim(client, "POST", f"{base}/Users", hr, user(hr_id)).status_code == 201
    assert_error(scim(client, "POST", f"{base}/Users", hr, user(hr_id)), 409, "uniqueness")
    assert_error(
        scim(client, "POST", f"{base}/Users", hr, {**user("E-x"), "emails": []}), 400, "invalidValue"
    )
    assert_error(scim(client, "POST", f"{base}/Users", hr, user("E-y", themes=["nope"])), 400, "invalidValue")
    bad_json = client.post(f"{base}/Users", content=b"{", headers={**auth(hr), "Content-Type": SCIM})
    assert_error(bad_json, 400, "invalidSyntax")
    created = scim(client, "GET", f'{base}/Users?filter=userName eq "{hr_id}"', hr).json()["Resources"][0]
    user_url = f"{base}/Users/{created['id']}"
    assert_error(scim(client, "PUT", user_url, hr, user("E-other")), 400, "mutability")
    assert_error(
        scim(client, "PUT", user_url, hr, user(hr_id, role="mentor", learningGoals=None, themes=[])),
        400,
        "mutability",
    )
    assert_error(
        scim(
            client,
            "PATCH",
            user_url,
            hr,
            {"schemas": [PATCH_OP], "Operations": [{"op": "jump", "path": "active"}]},
        ),
        400,
        "invalidSyntax",
    )

    assert_error(client.get(f"{base}/Users"), 401)
    assert_error(scim(client, "GET", f"{base}/Users", token("board_coordinator", board=board)), 403)
    assert scim(client, "GET", f"{base}/ServiceProviderConfig", hr).json()["patch"]["supported"] is True


async def test_province_staff_provision_into_a_named_board(
    registration: System, client: httpx.Client, board: str, admin: str
):
    base = f"{registration.url('registration')}/scim/v2"
    assert_error(scim(client, "POST", f"{base}/Users", admin, user("E-admin")), 400, "invalidValue")
    created = scim(client, "POST", f"{base}/Users", admin, user("E-admin", board=board, role="mentor",
                                                                 learningGoals=None, themes=[]))  # fmt: skip
    assert created.status_code == 201, created.text
    assert (
        created.json()[ENTERPRISE]["organization"] == board and created.json()[MENTORWEB]["role"] == "mentor"
    )
    assert_error(
        scim(client, "POST", f"{base}/Users", admin, user("E-z", board="NOSUCHBOARD")), 400, "invalidValue"
    )
