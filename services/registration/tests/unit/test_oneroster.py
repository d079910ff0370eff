"""OneRoster bundles: 1.2 (roles.csv) and 1.1 layouts, the side file, schools, row errors."""

from __future__ import annotations

import pytest

from services.registration.domain.imports import ImportContext
from services.registration.domain.oneroster import check_oneroster, grade_band_of, parse_oneroster
from services.registration.domain.tabular import FileProblem
from services.registration.tests.bundles import ORGS, USERS_12, district_bundle, table, zip_bundle
from shared.events.vocabulary import DEFAULT_THEMES

pytestmark = pytest.mark.unit

CTX = ImportContext(
    board="ELM", program_year="2026-2027", known_themes=frozenset(DEFAULT_THEMES), default_language="fr"
)


@pytest.mark.parametrize("version", ["1.2", "1.1"])
def test_teachers_and_administrators_become_participants_and_schools_are_read(version):
    parsed = parse_oneroster(district_bundle(version=version), CTX)
    items = list(parsed.items)
    assert parsed.total == 6 and parsed.preamble_errors == []
    assert sorted((s.code, s.name) for s in parsed.schools) == [
        ("901234", "École Lavoie"),
        ("905678", "Maple Ridge PS"),
    ]
    people = {i.data["hr_id"]: i.data for i in items if i.action == "upsert"}
    assert [i.action for i in items].count("skip") == 1  # the student
    assert {hr: p["role"] for hr, p in people.items()} == {
        "T0000": "beginning_teacher",
        "T0001": "beginning_teacher",
        "T0002": "beginning_teacher",
        "P0001": "new_school_leader",
        "M0001": "mentor",  # a teacher in OneRoster, a mentor by the side file
    }
    t0 = people["T0000"]
    assert t0["school"] == "École Lavoie" and t0["grade_band"] == "primary"
    assert t0["themes"] == ["early_years_literacy"] and t0["learning_goals"] == "Guided reading"
    assert t0["language"] == "fr"  # the board's language
    mentor = people["M0001"]
    assert mentor["expertise_themes"] == ["intermediate_mathematics", "assessment"]
    assert (
        mentor["trained"] is True and mentor["hub_capacity"] == 2 and mentor["grade_band"] == "intermediate"
    )


def test_row_errors_name_the_file_row_and_oneroster_column():
    users = table(
        USERS_12,
        [
            {"sourcedId": "u1", "givenName": "Ana", "familyName": "Li", "email": "", "identifier": "E1"},
            {
                "sourcedId": "u2",
                "givenName": "Bo",
                "familyName": "Ng",
                "email": "bo@x.org",
                "identifier": "E1",
            },
            {
                "sourcedId": "u3",
                "givenName": "",
                "familyName": "Ro",
                "email": "cy@x.org",
                "primaryOrgSourcedId": "nope",
            },
        ],
    )
    roles = table(
        ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
        [
            {"userSourcedId": u, "roleType": "primary", "role": "teacher", "sourcedId": u}
            for u in ("u1", "u2", "u3")
        ],
    )
    side = table(
        ["sourcedId", "themes"], [{"sourcedId": "u2", "themes": "basket_weaving"}, {"sourcedId": "ghost"}]
    )
    bundle = zip_bundle(
        {"orgs.csv": table(ORGS, [{"sourcedId": "s", "name": "S", "type": "school"}]), "users.csv": users,
         "roles.csv": roles, "mentorweb.csv": side}
    )  # fmt: skip
    parsed = parse_oneroster(bundle, CTX)
    errors = {(e.file, e.row, e.column) for i in parsed.items for e in i.errors}
    assert errors == {
        ("users.csv", 2, "email"),
        ("mentorweb.csv", 2, "themes"),
        ("users.csv", 3, "identifier"),  # duplicate HR id
        ("users.csv", 4, "givenName"),
        ("users.csv", 4, "orgSourcedIds"),
    }
    assert [(e.file, e.row, e.column) for e in parsed.preamble_errors] == [("mentorweb.csv", 3, "sourcedId")]


def test_tobedeleted_users_are_withdrawn():
    users = table(USERS_12, [{"sourcedId": "u1", "status": "tobedeleted", "givenName": "A", "familyName": "B",
                              "email": "a@x.org", "identifier": "E9"}])  # fmt: skip
    roles = table(["userSourcedId", "role"], [{"userSourcedId": "u1", "role": "teacher"}])
    bundle = zip_bundle({"orgs.csv": table(ORGS, []), "users.csv": users, "roles.csv": roles})
    [item] = list(parse_oneroster(bundle, CTX).items)
    assert item.action == "withdraw" and item.data["hr_id"] == "E9"


def test_a_bundle_that_cannot_be_read_is_a_file_problem():
    with pytest.raises(FileProblem, match="not a zip"):
        check_oneroster(b"sourcedId,name\n")
    with pytest.raises(FileProblem, match="no users.csv"):
        check_oneroster(zip_bundle({"orgs.csv": table(ORGS, [])}))
    with pytest.raises(FileProblem, match="users.csv: missing column"):
        check_oneroster(zip_bundle({"orgs.csv": table(ORGS, []), "users.csv": b"sourcedId,givenName\n"}))
    with pytest.raises(FileProblem, match="users.csv: the file is empty"):
        check_oneroster(zip_bundle({"orgs.csv": table(ORGS, []), "users.csv": b""}))


def test_grade_bands_follow_most_of_the_grades():
    assert grade_band_of("KG") == "kindergarten"
    assert grade_band_of("04,05,09") == "junior"
    assert grade_band_of("") == "" and grade_band_of("13,PS") == ""


def test_unknown_role_types_are_reported_with_file_row_and_reason():
    users = table(
        USERS_12,
        [
            {
                "sourcedId": "u1",
                "givenName": "Ana",
                "familyName": "Li",
                "email": "a@x.org",
                "identifier": "E1",
            },
            {
                "sourcedId": "u2",
                "givenName": "Bo",
                "familyName": "Ng",
                "email": "b@x.org",
                "identifier": "E2",
            },
        ],
    )
    roles = table(
        ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
        [
            {"sourcedId": "r1", "userSourcedId": "u1", "roleType": "primary", "role": "teacher"},
            {"sourcedId": "r2", "userSourcedId": "u1", "roleType": "secondary", "role": "janitor"},
            {"sourcedId": "r3", "userSourcedId": "u2", "roleType": "main", "role": "teacher"},
        ],
    )
    bundle = zip_bundle({"orgs.csv": table(ORGS, [{"sourcedId": "s", "name": "S", "type": "school"}]),
                         "users.csv": users, "roles.csv": roles})  # fmt: skip
    parsed = parse_oneroster(bundle, CTX)
    assert [(e.file, e.row, e.column, e.outcome) for e in parsed.preamble_errors] == [
        ("roles.csv", 3, "role", "refused"),
        ("roles.csv", 4, "roleType", "refused"),
    ]
    assert "janitor" in parsed.preamble_errors[0].message
    items = {i.row: i for i in parsed.items}
    assert items[2].action == "upsert"  # Ana is still a teacher by her other role
    assert items[3].action == "skip" and items[3].errors[0].outcome == "skipped"  # Bo has no usable role


def test_an_unknown_role_in_a_1_1_users_file_says_so():
    users = table(
        ["sourcedId", "status", "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName",
         "identifier", "email"],
        [{"sourcedId": "u1", "orgSourcedIds": "s", "role": "wizard", "givenName": "Ana", "familyName": "Li",
          "identifier": "E1", "email": "a@x.org"}],
    )  # fmt: skip
    bundle = zip_bundle(
        {"orgs.csv": table(ORGS, [{"sourcedId": "s", "name": "S", "type": "school"}]), "users.csv": users}
    )
    [item] = list(parse_oneroster(bundle, CTX).items)
    assert item.action == "skip"
    [error] = item.errors
    assert (error.file, error.row, error.column, error.outcome) == ("users.csv", 2, "role", "skipped")
    assert "unknown role type wizard" in error.message


def test_an_org_of_an_unknown_type_is_refused_and_its_people_say_why():
    orgs = table(
        ORGS,
        [
            {"sourcedId": "s", "name": "S", "type": "school"},
            {"sourcedId": "q", "name": "Q", "type": "campus"},
        ],
    )
    users = table(
        USERS_12,
        [{"sourcedId": "u1", "givenName": "Ana", "familyName": "Li", "email": "a@x.org", "identifier": "E1",
          "primaryOrgSourcedId": "q"}],
    )  # fmt: skip
    roles = table(
        ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
        [
            {
                "sourcedId": "r1",
                "userSourcedId": "u1",
                "roleType": "primary",
                "role": "teacher",
                "orgSourcedId": "q",
            }
        ],
    )
    parsed = parse_oneroster(zip_bundle({"orgs.csv": orgs, "users.csv": users, "roles.csv": roles}), CTX)
    assert [(e.file, e.row, e.column) for e in parsed.preamble_errors] == [
        ("orgs.csv", 3, "type"),
        ("roles.csv", 2, "orgSourcedId"),
    ]
    assert "campus" in parsed.preamble_errors[0].message
