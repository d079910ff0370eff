"""Realistic OneRoster CSV bundles for tests (1.2 layout by default, 1.1 on request)."""

from __future__ import annotations

import csv
import io
import zipfile

USERS_12 = [
    "sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName",
    "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
    "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
    "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
]  # fmt: skip
USERS_11 = [
    "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
    "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
    "agentSourcedIds", "grades", "password",
]  # fmt: skip
ORGS = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"]
ROLES = [
    "sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
    "endDate", "orgSourcedId", "userProfileSourcedId",
]  # fmt: skip


def table(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return out.getvalue().encode()


def zip_bundle(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(folder + name, content)
    return buffer.getvalue()


def district_bundle(
    *, prefix: str = "", version: str = "1.2", side: list[dict[str, str]] | None = None, teachers: int = 3
) -> bytes:
    """A district with two schools: teachers, a principal, a student and a mentor (by side file)."""
    stamp = "2026-08-20T09:00:00.000Z"
    orgs = [
        {"sourcedId": f"{prefix}dist", "name": "Elmwood DSB", "type": "district", "dateLastModified": stamp},
        {
            "sourcedId": f"{prefix}sch-1",
            "name": "École Lavoie",
            "type": "school",
            "identifier": f"{prefix}901234",
            "parentSourcedId": f"{prefix}dist",
            "dateLastModified": stamp,
        },
        {
            "sourcedId": f"{prefix}sch-2",
            "name": "Maple Ridge PS",
            "type": "school",
            "identifier": f"{prefix}905678",
            "parentSourcedId": f"{prefix}dist",
            "dateLastModified": stamp,
        },
    ]
    people = [
        (
            f"{prefix}t{n}",
            "teacher",
            f"T{n:04d}",
            "Zoé" if n % 2 else "Liam",
            f"Côté-{n}",
            f"{prefix}sch-1",
            "01,02",
        )
        for n in range(teachers)
    ]
    people += [
        (
            f"{prefix}p1",
            "principal" if version == "1.2" else "administrator",
            "P0001",
            "Raj",
            "Singh",
            f"{prefix}sch-2",
            "",
        ),
        (f"{prefix}s1", "student", "S0001", "Kid", "Student", f"{prefix}sch-2", "04"),
        (f"{prefix}m1", "teacher", "M0001", "Mia", "Okafor", f"{prefix}sch-2", "07,08"),
    ]
    users, roles = [], []
    for sourced_id, role, identifier, given, family, org, grades in people:
        user = {
            "sourcedId": sourced_id,
            "dateLastModified": stamp,
            "enabledUser": "true",
            "username": f"{sourced_id}@elmwood.example",
            "givenName": given,
            "familyName": family,
            "identifier": identifier,
            "email": f"{sourced_id}@elmwood.example",
            "grades": grades,
        }
        if version == "1.2":
            user["primaryOrgSourcedId"] = org
            roles.append(
                {
                    "sourcedId": f"r-{sourced_id}",
                    "dateLastModified": stamp,
                    "userSourcedId": sourced_id,
                    "roleType": "primary",
                    "role": role,
                    "orgSourcedId": org,
                }
            )
        else:
            user.update({"orgSourcedIds": org, "role": role})
        users.append(user)
    files = {
        "manifest.csv": table(
            ["propertyName", "value"],
            [
                {"propertyName": "manifest.version", "value": "1.0"},
                {"propertyName": "oneroster.version", "value": version},
                {"propertyName": "file.orgs", "value": "bulk"},
                {"propertyName": "file.users", "value": "bulk"},
                {"propertyName": "file.roles", "value": "bulk" if version == "1.2" else "absent"},
            ],
        ),
        "orgs.csv": table(ORGS, orgs),
        "users.csv": table(USERS_12 if version == "1.2" else USERS_11, users),
    }
    if version == "1.2":
        files["roles.csv"] = table(ROLES, roles)
    if side is None:
        side = [
            {
                "sourcedId": f"{prefix}m1",
                "role": "mentor",
                "expertise_themes": "intermediate_mathematics;assessment",
                "trained": "true",
                "hub_capacity": "2",
            },
            {
                "sourcedId": f"{prefix}t0",
                "themes": "early_years_literacy",
                "learning_goals": "Guided reading",
            },
        ]
    if side:
        header = sorted({k for row in side for k in row}, key=lambda k: (k != "sourcedId", k))
        files["mentorweb.csv"] = table(header, side)
    return zip_bundle(files, folder="oneroster/")
