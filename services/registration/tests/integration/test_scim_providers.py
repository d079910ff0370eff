"""SCIM as identity providers really call it: the request sequences Microsoft Entra ID's and Okta's
provisioning guides document, end to end against the running service, with the events each step
promises; and the whole filter grammar (or, not, co, sw, pr, brackets) on real rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.registration.tests.integration.conftest import Db
from services.registration.tests.integration.test_scim import PATCH_OP, SCIM, assert_error, scim
from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def set_identity(
    registration: System, client: httpx.Client, board: str, token: Callable[..., str], identity: str
) -> None:
    response = client.put(
        f"{registration.url('registration')}/v1/boards/{board}/scim-identity",
        json={"identity": identity},
        headers=auth(token("board_coordinator", board=board)),
    )
    assert response.status_code == 200 and response.json() == {"identity": identity}, response.text


async def outbox(db: Db, board: str, event_type: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT body FROM outbox WHERE board = $1 AND event_type = $2 ORDER BY id", board, event_type
    )
    return [json.loads(r["body"]) for r in rows]


async def test_entra_id_sequence(registration: System, client: httpx.Client, board: str, db: Db, token):
    """Entra ID: userName is the UPN, the staff number arrives as the enterprise employeeNumber
    (the board's default HR identifier), PATCH ops are capitalised, booleans may be strings."""
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)
    tag = uuid.uuid4().hex[:8]
    upn = f"Test_User_{tag}@elmwood.example"
    create = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": f"0a21f0f2-8d2a-4f8e-bf98-{tag}0000",
        "userName": upn,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"test_user_{tag}@elmwood.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": f"7{tag[:5]}", "department": "Grade 2"},
    }

    # Entra first asks whether the user exists, by userName: an empty ListResponse.
    absent = scim(client, "GET", f'{base}/Users?filter=userName eq "{upn}"', hr)
    assert absent.status_code == 200 and absent.json() == {
        "schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []
    } or absent.json()["totalResults"] == 0, absent.text  # fmt: skip

    created = scim(client, "POST", f"{base}/Users", hr, create)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["userName"] == upn and user[ENTERPRISE]["employeeNumber"] == f"7{tag[:5]}"
    assert user[ENTERPRISE]["department"] == "Grade 2" and created.headers["etag"] == user["meta"]["version"]
    url = f"{base}/Users/{user['id']}"
    kept = client.get(
        f"{registration.url('registration')}/v1/participants/{user['id']}", headers=auth(hr)
    ).json()
    assert kept["hr_id"] == f"7{tag[:5]}" and kept["email"] == f"test_user_{tag}@elmwood.example"
    assert await db.event_counts(board) == {"TeacherRegistered": 1}

    found = scim(client, "GET", f'{base}/Users?filter=userName eq "{upn.lower()}"', hr).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user["id"]
    by_email = scim(
        client,
        "GET",
        f'{base}/Users?filter=emails[type eq "work"].value eq "TEST_USER_{tag}@elmwood.example"',
        hr,
    )
    assert by_email.json()["totalResults"] == 1, by_email.text

    # Update multi-valued and single-valued attributes: the work email and the family name.
    updated = scim(client, "PATCH", url, hr, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": f"renamed_{tag}@elmwood.example"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ]})  # fmt: skip
    assert updated.status_code == 200, updated.text
    assert (
        updated.json()["id"] == user["id"]
        and updated.json()["emails"][0]["value"] == f"renamed_{tag}@elmwood.example"
    )
    changes = await outbox(db, board, "ParticipantUpdated")
    assert len(changes) == 1 and set(changes[0]["changed"]) == {"email", "family_name"}
    assert changes[0]["participant"]["participant_id"] == user["id"]

    # A new UPN keeps the person (same id, same HR identifier); it is not a participant field.
    renamed = scim(client, "PATCH", url, hr, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "userName", "value": f"ana.{tag}@elmwood.example"}]})  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["userName"] == f"ana.{tag}@elmwood.example"
    assert renamed.json()["meta"]["version"] != updated.json()["meta"]["version"]
    assert scim(client, "GET", f'{base}/Users?filter=userName eq "{upn}"', hr).json()["totalResults"] == 0

    # Disable: PATCH Replace active "False".
    disabled = scim(client, "PATCH", url, hr, {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})  # fmt: skip
    assert disabled.status_code == 200 and disabled.json()["active"] is False, disabled.text
    withdrawn = await outbox(db, board, "ParticipantWithdrawn")
    assert len(withdrawn) == 1 and withdrawn[0]["participant"]["participant_id"] == user["id"]

    # Hard delete: 204, then 404; nothing more is announced for someone already withdrawn.
    assert scim(client, "DELETE", url, hr).status_code == 204
    assert_error(scim(client, "GET", url, hr), 404)
    assert await db.event_counts(board) == {
        "TeacherRegistered": 1,
        "ParticipantUpdated": 1,
        "ParticipantWithdrawn": 1,
    }


async def test_okta_sequence(registration: System, client: httpx.Client, board: str, db: Db, token):
    """Okta: core schema only, the Okta user id as externalId (this board's HR identifier), profile
    changes by PUT, deactivation by PATCH without a path, reactivation, then DELETE."""
    set_identity(registration, client, board, token, "externalId")
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)
    tag = uuid.uuid4().hex[:8]
    login = f"test.user.{tag}@elmwood.example"
    okta_id = f"00u{tag}T6Aj10h7"
    lookup = scim(client, "GET", f'{base}/Users?filter=userName eq "{login}"&startIndex=1&count=100', hr)
    assert lookup.status_code == 200 and lookup.json()["totalResults"] == 0
    create = {
        "schemas": [CORE],
        "userName": login,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": "Test User",
        "locale": "fr-CA",
        "externalId": okta_id,
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    created = scim(client, "POST", f"{base}/Users", hr, create)
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password" not in user and user["externalId"] == okta_id and ENTERPRISE not in user
    assert user["locale"] == "fr-CA" and "preferredLanguage" not in user  # kept as sent
    url = f"{base}/Users/{user['id']}"
    participant = client.get(
        f"{registration.url('registration')}/v1/participants/{user['id']}", headers=auth(hr)
    ).json()
    assert participant["hr_id"] == okta_id and participant["language"] == "fr"
    assert await db.event_counts(board) == {"TeacherRegistered": 1}
    assert_error(scim(client, "POST", f"{base}/Users", hr, create), 409, "uniqueness")

    # Okta's profile push is a PUT of the whole user: a new email keeps the person.
    put = {**create, "name": {"givenName": "Tess", "familyName": "User"},
           "emails": [{"primary": True, "value": f"tess.{tag}@elmwood.example", "type": "work"}]}  # fmt: skip
    replaced = scim(client, "PUT", url, hr, put)
    assert replaced.status_code == 200 and replaced.json()["id"] == user["id"], replaced.text
    changes = await outbox(db, board, "ParticipantUpdated")
    assert len(changes) == 1 and set(changes[0]["changed"]) == {"given_name", "email"}

    # Deactivate and reactivate: PATCH replace with a value object and no path.
    for active, expected in ((False, {"ParticipantWithdrawn": 1}), (True, {"TeacherRegistered": 2})):
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]}
        patched = scim(client, "PATCH", url, hr, body)
        assert patched.status_code == 200 and patched.json()["active"] is active, patched.text
        counts = await db.event_counts(board)
        assert all(counts.get(k) == v for k, v in expected.items()), counts

    assert scim(client, "DELETE", url, hr).status_code == 204
    assert await db.event_counts(board) == {
        "TeacherRegistered": 2,
        "ParticipantUpdated": 1,
        "ParticipantWithdrawn": 2,
    }


async def test_filters_sorting_paging_attributes_and_etags(
    registration: System, client: httpx.Client, board: str, token
):
    set_identity(registration, client, board, token, "userName")
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)
    people = {  # userName → (given, family, title)
        "ana.li": ("Ana", "Li", "Teacher"),
        "bo.chen": ("Bo", "Chen", None),
        "cy.roy": ("Cy", "Roy", "Vice-principal"),
        "di.roy": ("Di", "Roy", None),
    }
    ids = {}
    for name, (given, family, title) in people.items():
        body = {"schemas": [CORE], "userName": name, "name": {"givenName": given, "familyName": family},
                "emails": [{"value": f"{name}@elmwood.example", "type": "work", "primary": True}],
                **({"title": title} if title else {})}  # fmt: skip
        created = scim(client, "POST", f"{base}/Users", hr, body)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    scim(client, "PATCH", f"{base}/Users/{ids['di.roy']}", hr,
         {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]})  # fmt: skip

    def names(query: str) -> list[str]:
        response = scim(client, "GET", f"{base}/Users?{query}", hr)
        assert response.status_code == 200, response.text
        return sorted(r["userName"] for r in response.json()["Resources"])

    assert names('filter=userName eq "ana.li" or userName eq "BO.CHEN"') == ["ana.li", "bo.chen"]
    assert names('filter=name.familyName eq "Roy" and not (active eq false)') == ["cy.roy"]
    assert names('filter=userName co ".ro"') == ["cy.roy", "di.roy"]
    assert names('filter=userName sw "a" or userName ew "chen"') == ["ana.li", "bo.chen"]
    assert names("filter=title pr") == ["ana.li", "cy.roy"]
    assert names('filter=emails[type eq "work" and value sw "cy."]') == ["cy.roy"]
    assert names('filter=emails[type eq "home"]') == []
    assert names('filter=(userName eq "ana.li" or userName eq "cy.roy") and title co "principal"') == [
        "cy.roy"
    ]
    assert names('filter=meta.created gt "2000-01-01T00:00:00Z" and active eq true') == [
        "ana.li",
        "bo.chen",
        "cy.roy",
    ]
    for bad in (
        'userName eq "x" or',
        "userName zz 1",
        'nickName eq "x"',
        '(userName eq "x"',
        "emails[type eq]",
    ):
        assert_error(scim(client, "GET", f"{base}/Users?filter={bad}", hr), 400, "invalidFilter")

    page = scim(
        client, "GET", f"{base}/Users?sortBy=name.familyName&sortOrder=descending&startIndex=2&count=2", hr
    ).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (4, 2, 2)
    assert [r["name"]["familyName"] for r in page["Resources"]] == ["Roy", "Li"]
    only = scim(client, "GET", f"{base}/Users?attributes=userName,emails.value&count=1", hr).json()[
        "Resources"
    ][0]
    assert set(only) == {"schemas", "id", "userName", "emails"} and set(only["emails"][0]) == {"value"}
    without = scim(client, "GET", f"{base}/Users/{ids['ana.li']}?excludedAttributes=emails,name", hr).json()
    assert "emails" not in without and "name" not in without and without["userName"] == "ana.li"
    searched = scim(client, "POST", f"{base}/Users/.search", hr,
                    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                     "filter": 'userName sw "cy"', "attributes": ["userName"]}).json()  # fmt: skip
    assert searched["totalResults"] == 1 and searched["Resources"][0]["userName"] == "cy.roy"

    # ETags: a stale If-Match is 412 and changes nothing; the current one succeeds.
    url = f"{base}/Users/{ids['bo.chen']}"
    read = scim(client, "GET", url, hr)
    version = read.headers["etag"]
    assert client.get(url, headers={**auth(hr), "If-None-Match": version}).status_code == 304
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Coach"}]}
    first = client.patch(
        url, content=json.dumps(body), headers={**auth(hr), "Content-Type": SCIM, "If-Match": version}
    )
    assert first.status_code == 200 and first.headers["etag"] != version, first.text
    stale = client.patch(
        url, content=json.dumps(body), headers={**auth(hr), "Content-Type": SCIM, "If-Match": version}
    )
    assert_error(stale, 412)
    stale_delete = client.delete(url, headers={**auth(hr), "If-Match": version})
    assert_error(stale_delete, 412)
    assert scim(client, "GET", url, hr).json()["title"] == "Coach"


async def test_discovery_describes_the_boards_mapping(
    registration: System, client: httpx.Client, board: str, token
):
    base = f"{registration.url('registration')}/scim/v2"
    hr = token("hr_integration", board=board)
    config = scim(client, "GET", f"{base}/ServiceProviderConfig", hr).json()
    assert config["patch"]["supported"] and config["sort"]["supported"] and config["etag"]["supported"]
    assert config["filter"] == {"supported": True, "maxResults": 500} and not config["bulk"]["supported"]
    types = scim(client, "GET", f"{base}/ResourceTypes", hr).json()["Resources"]
    assert types[0]["endpoint"] == "/Users"
    assert {"schema": ENTERPRISE, "required": True} in types[0]["schemaExtensions"]
    schemas = {s["id"]: s for s in scim(client, "GET", f"{base}/Schemas", hr).json()["Resources"]}
    employee_number = next(a for a in schemas[ENTERPRISE]["attributes"] if a["name"] == "employeeNumber")
    assert employee_number["required"] and employee_number["mutability"] == "immutable"
    set_identity(registration, client, board, token, "externalId")
    types = scim(client, "GET", f"{base}/ResourceTypes/User", hr).json()
    assert {"schema": ENTERPRISE, "required": False} in types["schemaExtensions"]
    core = scim(client, "GET", f"{base}/Schemas/{CORE}", hr).json()
    assert next(a for a in core["attributes"] if a["name"] == "externalId")["required"] is True
    assert_error(scim(client, "GET", f"{base}/Schemas/urn:nope", hr), 404)
    assert_error(scim(client, "DELETE", f"{base}/Schemas", hr), 405)
    refused = client.put(f"{registration.url('registration')}/v1/boards/{board}/scim-identity",
                         json={"identity": "email"}, headers=auth(token("board_coordinator", board=board)))  # fmt: skip
    assert refused.status_code == 422
