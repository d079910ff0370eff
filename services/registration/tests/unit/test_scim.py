"""SCIM Users as participants: the mapping, the board's identity setting, PATCH, filters as SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from scim2_models import Context, SCIMException

from services.registration.adapters.scim_filter import order_by, where
from services.registration.domain.participants import current_program_year
from services.registration.domain.scim import (
    MENTORWEB,
    USER_MODELS,
    Identity,
    apply_patch,
    read_user,
    resource_of,
    validated,
    with_active,
)
from shared.events.vocabulary import DEFAULT_THEMES

pytestmark = pytest.mark.unit
THEMES = frozenset(DEFAULT_THEMES)
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def read(body: dict[str, Any], identity: Identity = "employeeNumber", **kw: Any) -> Any:
    model = USER_MODELS[identity]
    if isinstance(body, dict):
        body = validated(model, with_active(body), Context.RESOURCE_CREATION_REQUEST)
    user = body
    return read_user(
        user,
        identity=identity,
        default_program_year=kw.pop("year", "2026-2027"),
        default_language=kw.pop("language", "en"),
        known_themes=THEMES,
    )


def participant(**overrides: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(), "board": "ELM", "program_year": "2026-2027", "hr_id": "E1",
        "role": "beginning_teacher", "given_name": "Zoé", "family_name": "Côté",
        "email": "zoe@example.org", "language": "fr", "school": "École Lavoie", "grade_band": "primary",
        "subjects": ["Core French"], "themes": ["early_years_literacy"], "learning_goals": "Guided reading",
        "expertise_themes": [], "trained": False, "hub_capacity": 0, "one_to_one_capacity": 0,
        "leads_school_leaders": False, "evaluates_hr_ids": [], "status": "registered", "revision": 3,
        "external_id": "okta-42", "created_at": datetime(2026, 8, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 8, 2, tzinfo=UTC),
    }  # fmt: skip
    return {**row, **overrides}


def resource(
    kept: dict[str, Any] | None = None, identity: Identity = "employeeNumber", **overrides: Any
) -> Any:
    return resource_of(participant(**overrides), kept, identity, "https://mw/scim/v2/Users/x")


def test_resource_round_trip_keeps_every_program_field():
    user = resource()
    dumped = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert dumped["userName"] == "E1" and dumped["active"] is True
    assert dumped[ENTERPRISE] == {"employeeNumber": "E1", "organization": "ELM"}
    assert dumped["meta"]["version"] == 'W/"3"' and dumped["meta"]["resourceType"] == "User"
    assert dumped[MENTORWEB]["status"] == "registered"
    back = read(user)
    assert back.hr_id == "E1" and back.organization == "ELM" and back.external_id == "okta-42"
    assert back.role == "beginning_teacher" and back.program_year == "2026-2027" and back.active
    assert back.fields["themes"] == ["early_years_literacy"] and back.fields["language"] == "fr"
    assert back.fields["email"] == "zoe@example.org" and back.fields["school"] == "École Lavoie"


def entra_user(**changes: Any) -> dict[str, Any]:
    body = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Ana.Li@elmwood.example",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "ana.li@elmwood.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ana Li", "familyName": "Li", "givenName": "Ana"},
        "roles": [],
        "title": "Teacher",
        ENTERPRISE: {"employeeNumber": "700123", "department": "Grade 2"},
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("identity", "hr_id"),
    [("employeeNumber", "700123"), ("externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"),
     ("userName", "Ana.Li@elmwood.example")],
)  # fmt: skip
def test_the_board_chooses_which_attribute_is_the_hr_identifier(identity, hr_id):
    user = read(entra_user(), identity)
    assert user.hr_id == hr_id and user.user_name == "Ana.Li@elmwood.example"
    # What Mentorweb has no column for is kept as sent.
    assert user.kept["title"] == "Teacher" and user.kept[ENTERPRISE]["department"] == "Grade 2"


def test_a_missing_hr_identifier_names_the_board_setting():
    body = entra_user()
    body.pop(ENTERPRISE)
    with pytest.raises(SCIMException, match="employeeNumber: required") as error:
        read(body)
    assert error.value.status == 400 and error.value.scim_type == "invalidValue"


def test_minimal_identity_provider_user_gets_defaults():
    user = read(
        {
            "schemas": [CORE],
            "userName": " E77 ",
            "name": {"givenName": "Ana", "familyName": "Li"},
            "emails": [{"value": "other@example.org"}, {"value": "ana@Example.org", "primary": True}],
            "preferredLanguage": "fr-CA",
        },
        "userName",
        year="2027-2028",
    )
    assert user.hr_id == "E77" and user.role == "beginning_teacher" and user.program_year == "2027-2028"
    assert user.fields["email"] == "ana@example.org" and user.fields["language"] == "fr"
    assert user.active is True and user.organization is None


@pytest.mark.parametrize(
    ("change", "mentioned"),
    [
        ({"name": {"givenName": "Ana"}}, "familyName"),
        ({"emails": [{"value": "not-an-email"}]}, "emails"),
        ({MENTORWEB: {"themes": ["basket_weaving"]}}, "themes"),
        ({MENTORWEB: {"gradeBand": "grade9"}}, "gradeBand"),
        ({MENTORWEB: {"hubCapacity": "two"}}, "hubCapacity"),
        ({MENTORWEB: {"programYear": "2026"}}, "programYear"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_invalid_users_are_invalid_value_naming_the_attribute(change, mentioned):
    body = {**resource().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), **change}
    body.pop("id"), body.pop("meta")
    if MENTORWEB in change:
        body["schemas"] = [CORE, ENTERPRISE, MENTORWEB]
    with pytest.raises(SCIMException) as error:
        read(body)
    assert error.value.status == 400 and error.value.scim_type == "invalidValue"
    assert mentioned.lower() in error.value.detail.lower()


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "active", "value": False},
        {"op": "Replace", "path": "active", "value": "False"},  # Entra ID
        {"op": "replace", "value": {"active": False}},  # Okta
    ],
)
def test_patch_active_false_as_providers_send_it(operation):
    user = resource()
    apply_patch(user, patch(operation))
    assert user.active is False and read(user).active is False


def test_patch_paths_with_sub_attributes_filters_and_extensions():
    user = resource()
    apply_patch(
        user,
        patch(
            {"op": "replace", "path": "name.familyName", "value": "Tremblay"},
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "zt@example.org"},
            {"op": "add", "path": f"{MENTORWEB}:themes", "value": ["assessment"]},
            {"op": "replace", "path": f"{MENTORWEB}:gradeBand", "value": "junior"},
            {"op": "remove", "path": f"{MENTORWEB}:learningGoals"},
            {"op": "replace", "path": "userName", "value": "zoe.tremblay@example.org"},
        ),
    )
    back = read(user)
    assert back.fields["family_name"] == "Tremblay" and back.fields["given_name"] == "Zoé"
    assert back.fields["email"] == "zt@example.org" and back.hr_id == "E1"
    assert back.user_name == "zoe.tremblay@example.org"
    assert back.fields["themes"] == ["early_years_literacy", "assessment"]
    assert back.fields["grade_band"] == "junior" and back.fields["learning_goals"] is None


def test_patch_remove_with_a_value_filter():
    user = resource(
        {
            "emails": [
                {"value": "zoe@example.org", "type": "work", "primary": True},
                {"value": "z@home.example", "type": "home"},
            ]
        }
    )
    apply_patch(user, patch({"op": "remove", "path": 'emails[type eq "home"]'}))
    assert [str(e.value) for e in user.emails] == ["zoe@example.org"]


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        (patch({"op": "move", "path": "active"}), "invalidSyntax"),
        (patch({"op": "remove"}), "noTarget"),
        (patch({"op": "replace", "path": "name..x", "value": 1}), "invalidPath"),
        (patch({"op": "replace", "path": f"{MENTORWEB}:role", "value": "mentor"}), "mutability"),
    ],
)
def test_bad_patch_requests(body, scim_type):
    with pytest.raises(SCIMException) as error:
        apply_patch(resource(), body)
    assert error.value.status == 400 and error.value.scim_type == scim_type


def test_removing_a_required_attribute_makes_the_user_invalid():
    user = resource()
    with pytest.raises(SCIMException):
        apply_patch(user, patch({"op": "remove", "path": "name.givenName"}))
        read(user)


def sql(text: str) -> tuple[str, dict[str, Any]]:
    clause = where(text)
    return clause.text, {k: v.value for k, v in clause._bindparams.items()}


def test_filters_become_sql_with_bound_values():
    text, params = sql('userName eq "A" or not (active eq true) and title pr')
    assert " OR " in text and "NOT (" in text and "IS NOT NULL" in text
    assert sorted(params.values(), key=str) == ["A", True]
    text, params = sql('emails[type eq "work"].value co "100%_x"')
    assert "LIKE" in text and "ESCAPE" in text and params["b"] == "%100\\%\\_X%"
    text, params = sql(f'{ENTERPRISE}:employeeNumber sw "70"')
    assert "employeeNumber" in text and params == {"a": "70%"}
    assert "'; DROP" not in sql('userName eq "\'; DROP TABLE participants; --"')[0]


@pytest.mark.parametrize(
    "text",
    ["", "userName", "userName eq", 'userName zz "E"', 'nickName eq "x"', 'active co "x"', "userName eq E1",
     'userName eq "E1" and', 'userName eq "unterminated', '(userName eq "E1"'],
)  # fmt: skip
def test_unsupported_or_malformed_filters_are_invalid_filter(text):
    with pytest.raises(SCIMException) as error:
        where(text)
    body = error.value.to_error().model_dump()
    assert body["status"] == "400" and body["scimType"] == "invalidFilter" and body["detail"]


def test_sort_by_any_filterable_attribute():
    assert "family_name" in order_by("name.familyName").text
    with pytest.raises(SCIMException):
        order_by("nickName")


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2026, 6, 30), "2025-2026"), (date(2026, 7, 1), "2026-2027"), (date(2027, 1, 15), "2026-2027")],
)
def test_current_program_year_turns_over_in_july(today, year):
    assert current_program_year(today) == year
