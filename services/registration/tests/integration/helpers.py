"""Driving registration's import and SCIM APIs in tests."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import httpx

from shared.testing.helpers import auth

HEADER = [
    "hr_id", "role", "given_name", "family_name", "email", "language", "school", "grade_band",
    "subjects", "themes", "learning_goals", "expertise_themes", "trained", "hub_capacity",
]  # fmt: skip


def person(n: int, **overrides: str) -> dict[str, str]:
    role = "mentor" if n % 5 == 0 else "new_school_leader" if n % 7 == 0 else "beginning_teacher"
    mentor = role == "mentor"
    row = {
        "hr_id": f"E{n:05d}",
        "role": role,
        "given_name": ["Zoé", "Amélie", "Noah", "Étienne", "Maya"][n % 5],
        "family_name": f"Côté-{n}",
        "email": f"person{n}@board.example.org",
        "language": "",
        "school": f"École {n % 12}",
        "grade_band": ["kindergarten", "primary", "junior", "intermediate", "senior"][n % 5],
        "subjects": "Core French;Mathematics" if n % 2 else "Arts",
        "themes": "" if mentor else "early_years_literacy;assessment",
        "learning_goals": "" if mentor else "Lead guided reading in small groups",
        "expertise_themes": "assessment;classroom_management" if mentor else "",
        "trained": "true" if mentor else "",
        "hub_capacity": "2" if mentor else "0",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(
    client: httpx.Client,
    url: str,
    token: str,
    content: bytes,
    filename: str = "people.csv",
    **form: str,
) -> httpx.Response:
    return client.post(
        f"{url}/v1/imports", files={"file": (filename, content)}, data=form, headers=auth(token)
    )


def wait_import(
    client: httpx.Client, url: str, token: str, import_id: str, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"{url}/v1/imports/{import_id}", headers=auth(token))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["state"] in ("completed", "failed"):
            return body
        assert time.monotonic() < deadline, f"import still {body['state']}: {body}"
        time.sleep(0.1)


def run_import(client: httpx.Client, url: str, token: str, content: bytes, **form: str) -> dict[str, Any]:
    response = upload(client, url, token, content, **form)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/imports/{response.json()['id']}"
    return wait_import(client, url, token, response.json()["id"])
