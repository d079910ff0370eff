"""Small helpers for driving the running services over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.testing.helpers import auth


def create_board(
    client: httpx.Client, registration_url: str, admin_token: str, code: str, **extra: Any
) -> None:
    response = client.post(
        f"{registration_url}/v1/boards",
        json={"code": code, "name": f"{code} District School Board", **extra},
        headers=auth(admin_token),
    )
    assert response.status_code == 201, response.text


def teacher(board: str, **extra: Any) -> dict[str, Any]:
    n = uuid.uuid4().hex[:10]
    return {
        "board": board,
        "program_year": "2026-2027",
        "hr_id": f"HR-{n}",
        "role": "beginning_teacher",
        "given_name": "Amélie",
        "family_name": f"Tremblay-{n}",
        "email": f"amelie.{n}@example.org",
        "language": "en",
        "school": "Maple Ridge PS",
        "grade_band": "junior",
        "subjects": ["Mathematics"],
        "themes": ["intermediate_mathematics"],
        "learning_goals": "Use manipulatives to teach fractions.",
        **extra,
    }
