"""Helpers for tests that call the APIs."""

from __future__ import annotations

import uuid


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_board() -> str:
    return f"B{uuid.uuid4().hex[:8].upper()}"
