"""SCIM Users as participants: filters, PATCH operations, the attribute mapping, program years."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.registration.domain.participants import current_program_year
from services.registration.domain.scim import (
    ENTERPRISE,
    MENTORWEB,
    PATCH_OP,
    Comparison,
    ScimError,
    apply_patch,
    parse_filter,
    resource_of,
    user_from_resource,
)
from services.registration.domain.taxonomy import DEFAULT_THEMES

pytestmark = pytest.mark.unit
THEMES = frozenset(DEFAULT_THEMES)


def read(resource, **kw):  # type: ignore[no-untyped-def]
    return user_from_resource(
        resource,
        default_program_year=kw.pop("year", "2026-2027"),
        default_language=kw.pop("language", "en"),
        known_themes=THEMES,
    )


def participant(**overrides):  # type: ignore[no-untyped-def]
    row = {
        "id": uuid.uuid4(),
        "board": "ELM",
        "program_year": "2026-2027",
        "hr_id": "E1",
        "role": "beginning_teacher",
        "given_name": "Zoé",
        "family_name": "Côté",
        "email": "zoe@example.org",
        "language": "fr",
        "school": "École Lavoie",
        "grade_band": "primary",
        "subjects": ["Core French"],
        "themes": ["early_years_literacy"],
        "learning_goals": "Guided reading",
        "expertise_themes": [],
        "trained": False,
        "hub_capacity": 0,
        "one_to_one_capacity": 0,
        "leads_school_leaders": False,
        "evaluates_hr_ids": [],
        "status": "registered",
        "revision": 3,
        "external_id": "okta-42",
        "created_at": datetime(2026, 8, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 8, 2, tzinfo=UTC),
    }
    return {**row, **overrides}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "E1"', [Comparison("userName", "E1")]),
        ('USERNAME Eq "a\\"b"', [Comparison("userName", 'a"b')]),
        (
            'externalId eq "okta-42" and active eq true',
            [Comparison("externalId", "okta-42"), Comparison("active", True)],
        ),
        ('emails.value eq "Z@Example.org"', [Comparison("emails.value", "Z@Example.org")]),
        ('emails eq "z@example.org"', [Comparison("emails.value", "z@example.org")]),
        (f'{ENTERPRISE}:employeeNumber eq "E1"', [Comparison("userName", "E1")]),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "E1"', [Comparison("userName", "E1")]),
    ],
)
def test_supported_filters(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "userName",
        "userName eq",
        'userName eq "E1" or userName eq "E2"',
        'userName co "E"',
        'userName zz "E"',
        'title eq "x"',
        '(userName eq "E1")',
        "userName eq E1",
        'userName eq "E1" and',
        'userName eq "unterminated',
    ],
)
def test_unsupported_or_malformed_filters_are_invalid_filter(text):
    with pytest.raises(ScimError) as error:
        parse_filter(text)
    body = error.value.body()
    assert body["status"] == "400" and body["scimType"] == "invalidFilter" and body["detail"]
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_resource_round_trip_keeps_every_program_field():
    resource = resource_of(participant(), "https://mw/scim/v2/Users/x")
    assert resource["userName"] == "E1" and resource["active"] is True
    assert resource[ENTERPRISE] == {"employeeNumber": "E1", "organization": "ELM"}
    assert resource["meta"]["version"] == 'W/"3"' and resource["meta"]["resourceType"] == "User"
    user = read(resource)
    assert user.hr_id == "E1" and user.organization == "ELM" and user.external_id == "okta-42"
    assert user.role == "beginning_teacher" and user.program_year == "2026-2027" and user.active
    assert user.fields["themes"] == ["early_years_literacy"] and user.fields["language"] == "fr"
    assert user.fields["email"] == "zoe@example.org" and user.fields["school"] == "École Lavoie"


def test_minimal_identity_provider_user_gets_defaults():
    user = read(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": " E77 ",
            "name": {"givenName": "Ana", "familyName": "Li"},
            "emails": [{"value": "other@example.org"}, {"value": "ana@Example.org", "primary": True}],
            "preferredLanguage": "fr-CA",
        },
        year="2027-2028",
    )
    assert user.hr_id == "E77" and user.role == "beginning_teacher" and user.program_year == "2027-2028"
    assert user.fields["email"] == "ana@example.org" and user.fields["language"] == "fr"
    assert user.active is True and user.organization is None


@pytest.mark.parametrize(
    ("change", "mentioned"),
    [
        ({"userName": ""}, "userName"),
        ({"name": {"givenName": "Ana"}}, "name.familyName"),
        ({"emails": [{"value": "not-an-email"}]}, "emails"),
        ({ENTERPRISE: {"employeeNumber": "E2"}}, "employeeNumber"),
        ({MENTORWEB: {"themes": ["basket_weaving"]}}, "themes"),
        ({MENTORWEB: {"gradeBand": "grade9"}}, "gradeBand"),
        ({MENTORWEB: {"hubCapacity": "two"}}, "hubCapacity"),
        ({MENTORWEB: {"programYear": "2026"}}, "programYear"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_invalid_users_are_invalid_value_naming_the_attribute(change, mentioned):
    resource = {**resource_of(participant(), "x"), **change}
    with pytest.raises(ScimError) as error:
        read(resource)
    assert error.value.status == 400 and error.value.scim_type == "invalidValue"
    assert mentioned in error.value.detail


def patch(*operations):  # type: ignore[no-untyped-def]
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_patch_active_false_with_and_without_path():
    resource = resource_of(participant(), "x")
    assert (
        apply_patch(resource, patch({"op": "replace", "path": "active", "value": False}))["active"] is False
    )
    # Azure AD / Entra style: no path, capitalised op, string boolean.
    assert apply_patch(resource, patch({"op": "Replace", "value": {"active": False}}))["active"] is False
    assert (
        apply_patch(resource, patch({"op": "replace", "path": "active", "value": "False"}))["active"] is False
    )
    assert resource["active"] is True  # the input is not modified


def test_patch_paths_with_sub_attributes_filters_and_extensions():
    resource = resource_of(participant(), "x")
    patched = apply_patch(
        resource,
        patch(
            {"op": "replace", "path": "name.familyName", "value": "Tremblay"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "zt@example.org"},
            {"op": "add", "path": f"{MENTORWEB}:themes", "value": ["assessment"]},
            {"op": "replace", "path": f"{MENTORWEB}:gradeBand", "value": "junior"},
            {"op": "remove", "path": f"{MENTORWEB}:learningGoals"},
            {"op": "replace", "value": {f"{ENTERPRISE}:employeeNumber": "E1", "displayName": "ignored"}},
        ),
    )
    user = read(patched)
    assert user.fields["family_name"] == "Tremblay" and user.fields["given_name"] == "Zoé"
    assert user.fields["email"] == "zt@example.org"
    assert user.fields["themes"] == ["early_years_literacy", "assessment"]
    assert user.fields["grade_band"] == "junior" and user.fields["learning_goals"] is None


def test_patch_value_object_for_an_extension():
    patched = apply_patch(
        resource_of(participant(), "x"),
        patch({"op": "add", "value": {MENTORWEB: {"subjects": ["Arts"]}, "name": {"givenName": "Zoë"}}}),
    )
    user = read(patched)
    assert user.fields["subjects"] == ["Core French", "Arts"] and user.fields["given_name"] == "Zoë"


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"Operations": [{"op": "replace", "path": "active", "value": False}]}, "invalidSyntax"),
        (patch(), "invalidSyntax"),
        (patch({"op": "move", "path": "active"}), "invalidSyntax"),
        (patch({"op": "remove"}), "noTarget"),
        (patch({"op": "replace", "path": "urn:example:unknown:foo", "value": 1}), "invalidPath"),
        (patch({"op": "replace", "path": "name..x", "value": 1}), "invalidPath"),
        (patch({"op": "replace", "path": 'emails[type co "w"].value', "value": "a@b.org"}), "invalidFilter"),
    ],
)
def test_bad_patch_requests(body, scim_type):
    with pytest.raises(ScimError) as error:
        apply_patch(resource_of(participant(), "x"), body)
    assert error.value.status == 400 and error.value.scim_type == scim_type


def test_removing_a_required_attribute_makes_the_user_invalid():
    patched = apply_patch(resource_of(participant(), "x"), patch({"op": "remove", "path": "name.givenName"}))
    with pytest.raises(ScimError, match="givenName"):
        read(patched)


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2026, 6, 30), "2025-2026"), (date(2026, 7, 1), "2026-2027"), (date(2027, 1, 15), "2026-2027")],
)
def test_current_program_year_turns_over_in_july(today, year):
    assert current_program_year(today) == year
