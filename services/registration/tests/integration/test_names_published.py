"""Registration publishes the names other services show people: a board registered or renamed, a
theme defined (with its French name), and at start-up every name no event carried yet (the default
taxonomy a migration seeded) — once."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from services.registration.service_layer.announcing import announce_unannounced
from services.registration.tests.integration.conftest import Db
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.vocabulary import DEFAULT_THEMES
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def bodies(db: Db, event_type: str) -> list[dict[str, object]]:
    rows = await db.fetch("SELECT body FROM outbox WHERE event_type = $1 ORDER BY id", event_type)
    return [json.loads(r["body"]) for r in rows]


async def test_boards_and_themes_are_published_with_their_names_once(
    registration: System, client: httpx.Client, admin: str, db: Db
):
    url = registration.url("registration")

    # At start-up: the default taxonomy, seeded by a migration, announced with its French names.
    async def announced() -> bool:
        return {b["code"] for b in await bodies(db, "ThemeDefined")} >= set(DEFAULT_THEMES)

    await wait_until(announced, timeout=20)
    themes = {b["code"]: b for b in await bodies(db, "ThemeDefined")}
    assert themes["assessment"]["name_fr"] == "Évaluation"
    assert themes["assessment"]["board"] == "province"

    code = unique_board()
    created = client.post(
        f"{url}/v1/boards",
        json={"code": code, "name": "Conseil scolaire du Nord", "language": "fr"},
        headers=auth(admin),
    )
    assert created.status_code == 201
    (registered,) = [b for b in await bodies(db, "BoardRegistered") if b["code"] == code]
    assert registered["name"] == "Conseil scolaire du Nord" and registered["language"] == "fr"
    renamed = client.patch(
        f"{url}/v1/boards/{code}", json={"name": "Conseil scolaire du Grand-Nord"}, headers=auth(admin)
    )
    assert renamed.status_code == 200
    same = client.patch(f"{url}/v1/boards/{code}", json={"region": "Nord"}, headers=auth(admin))
    assert same.status_code == 200
    assert [b["name"] for b in await bodies(db, "BoardRenamed") if b["code"] == code] == [
        "Conseil scolaire du Grand-Nord"
    ]  # a change that keeps the name publishes nothing

    theme = f"outdoor_{uuid.uuid4().hex[:6]}"
    body = {"code": theme, "name_en": "Outdoor education", "name_fr": "Éducation en plein air"}
    assert client.post(f"{url}/v1/themes", json=body, headers=auth(admin)).status_code == 201
    (defined,) = [b for b in await bodies(db, "ThemeDefined") if b["code"] == theme]
    assert defined["name_fr"] == "Éducation en plein air"

    # What the outbox already carries is not announced again (a restart publishes nothing new).
    engine = make_engine(registration.database_url("registration"), pool_size=1)
    try:
        async with UnitOfWork(make_session_factory(engine)) as uow:
            assert await announce_unannounced(uow) == 0
    finally:
        await engine.dispose()
