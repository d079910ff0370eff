"""The board's steering committee reaches its grant application: grants keeps registration's
SteeringCommitteeChanged (through the real broker: its queue is bound to it) and shows the
committee's members, meetings and expenses on the application; an older version arriving late
never replaces a newer one; another board's committee never shows."""

from __future__ import annotations

import uuid

import aio_pika
import pytest
import sqlalchemy as sa

from services.grants.tests.integration.helpers import GrantsApi, unique_year
from shared.db import make_engine
from shared.events.catalog import encode
from shared.events.registration import (
    SteeringCommitteeChanged,
    SteeringCommitteeMeeting,
    SteeringCommitteeMember,
)
from shared.testing.helpers import unique_board
from shared.testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def publish(api: GrantsApi, rabbitmq_url: str, event: SteeringCommitteeChanged) -> None:
    connection = await aio_pika.connect(rabbitmq_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(api.settings.exchange_name)
        await exchange.publish(
            aio_pika.Message(encode(event), message_id=str(event.event_id), delivery_mode=2),
            routing_key=event.routing_key(),
        )


def committee(board: str, year: str, sequence: int, *amounts: str) -> SteeringCommitteeChanged:
    meetings = [
        SteeringCommitteeMeeting(meeting_id=uuid.uuid4(), held_on=f"{year[:4]}-05-{10 + i:02d}", expenses=a)
        for i, a in enumerate(amounts)
    ]
    total = sum((float(a) for a in amounts), 0.0)
    return SteeringCommitteeChanged(
        board=board,
        program_year=year,
        sequence=sequence,
        members=[
            SteeringCommitteeMember(name="Sam Tremblay", representing="local"),
            SteeringCommitteeMember(name="Ana Ruiz", representing="district"),
            SteeringCommitteeMember(name="Lee Park", representing="association"),
        ],
        meetings=meetings,
        expenses_total=f"{total:.2f}",
    )


async def test_the_committees_expenses_show_on_the_boards_application(
    api: GrantsApi, infra, grants_db, token
):  # type: ignore[no-untyped-def]
    year, _ = unique_year()
    board, other = unique_board(), unique_board()
    admin = token("province_admin")
    await api.program(admin, year)
    draft = await api.draft(token("board_coordinator", board=board), year)
    assert draft["steering_committee"] is None  # nothing recorded in registration yet

    newer = committee(board, year, 2, "120.00", "80.50")
    older = committee(board, year, 1, "120.00")
    await publish(api, infra.rabbitmq_url, committee(other, year, 1, "999.00"))
    await publish(api, infra.rabbitmq_url, newer)

    async def shown() -> dict | None:  # type: ignore[type-arg]
        body = await api.ok("GET", f"/applications/{draft['id']}", token("board_coordinator", board=board))
        return body["steering_committee"]

    found = await wait_until(shown, timeout=15)
    assert found == {
        "members": [
            {"name": "Sam Tremblay", "representing": "local"},
            {"name": "Ana Ruiz", "representing": "district"},
            {"name": "Lee Park", "representing": "association"},
        ],
        "meetings": [{"held_on": m.held_on, "expenses": m.expenses} for m in newer.meetings],
        "expenses_total": "200.50",
    }

    # The older version arrives late: handled (in the inbox), and the newer one stays.
    await publish(api, infra.rabbitmq_url, older)
    engine = make_engine(grants_db)
    try:

        async def handled() -> bool:
            async with engine.connect() as conn:
                query = sa.text("SELECT count(*) FROM inbox WHERE event_id = :e")
                return bool((await conn.execute(query, {"e": older.event_id})).scalar())

        assert await wait_until(handled, timeout=15)
    finally:
        await engine.dispose()
    assert (await shown())["expenses_total"] == "200.50"  # type: ignore[index]
