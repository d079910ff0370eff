"""A participant's own enrolments with their waitlist place (GET /v1/participants/{id}/enrolments), for
the portal: theirs only (another participant's id answers 404), staff of their board too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.registration.entrypoints.sessions import portal, router
from services.registration.tests.integration.test_program_year_db import Db, _Runtime, workshop
from shared.auth import TokenVerifier
from shared.db import make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.problems import install_problem_handlers
from shared.testing.fixtures import test_settings as make_test_settings
from shared.testing.helpers import auth
from shared.testing.infrastructure import Infrastructure

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(infra: Infrastructure, run_prefix: str) -> AsyncIterator[Db]:
    url = infra.database_url(f"{run_prefix}_reg_mine")
    await upgrade("registration", url)
    engine = make_engine(url, pool_size=5)
    factory = make_session_factory(engine)
    app = FastAPI()
    app.state.runtime = _Runtime(factory)
    app.state.token_verifier = TokenVerifier(make_test_settings())
    install_problem_handlers(app)
    app.include_router(router)
    app.include_router(portal)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registration"
    ) as client:
        yield Db(url, engine, factory, client)
    await engine.dispose()
    await drop_database(url)


async def test_my_enrolments_show_my_waitlist_place_and_move_up(db: Db, token):
    board = await db.new_board()
    coordinator = auth(token("board_coordinator", board=board))
    teachers = await db.people(board, "beginning_teacher", 4)

    def me(i: int) -> dict[str, str]:
        return auth(token("participant", board=board, participant_id=teachers[i].id))

    full = (
        await db.client.post("/v1/sessions", json=workshop(board, capacity=1), headers=coordinator)
    ).json()
    roomy = (
        await db.client.post("/v1/sessions", json=workshop(board, capacity=9), headers=coordinator)
    ).json()
    for i in range(3):
        joined = await db.client.post(
            f"/v1/sessions/{full['id']}/enrolments",
            json={"participant_id": str(teachers[i].id)},
            headers=me(i),
        )
        assert joined.status_code == 201, joined.text
    await db.client.post(
        f"/v1/sessions/{roomy['id']}/enrolments", json={"participant_id": str(teachers[2].id)}, headers=me(2)
    )

    mine = await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=me(2))
    assert mine.status_code == 200, mine.text
    assert sorted((e["session_id"], e["status"], e["position"]) for e in mine.json()) == sorted(
        [(full["id"], "waitlisted", 2), (roomy["id"], "confirmed", None)]
    )
    # The one ahead leaves: the waitlist moves up.
    await db.client.delete(f"/v1/sessions/{full['id']}/enrolments/{teachers[1].id}", headers=me(1))
    again = (await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=me(2))).json()
    assert [(e["status"], e["position"]) for e in again if e["session_id"] == full["id"]] == [
        ("waitlisted", 1)
    ]
    # The confirmed one leaves: promoted.
    await db.client.delete(f"/v1/sessions/{full['id']}/enrolments/{teachers[0].id}", headers=me(0))
    promoted = (await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=me(2))).json()
    assert [
        (e["status"], e["promoted_from_waitlist"]) for e in promoted if e["session_id"] == full["id"]
    ] == [("confirmed", True)]

    # Someone else's id: 404; their coordinator may look; another board's may not.
    assert (
        await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=me(3))
    ).status_code == 404
    assert (
        await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=coordinator)
    ).status_code == 200
    other = auth(token("board_coordinator", board=await db.new_board()))
    assert (
        await db.client.get(f"/v1/participants/{teachers[2].id}/enrolments", headers=other)
    ).status_code == 404
