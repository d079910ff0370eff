"""Registration keeps what it shows true from the facts other services publish, through the real
bus: placement status from HubFormed / HubMembershipChanged (added and removed) / MentorPaired, and
the timeline's phases closed by a workshop held with attendance and by the board's grant submitted
or paid, while a coordinator can still reopen or close a phase by hand."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import aio_pika
import httpx
import pytest

from shared.events.catalog import encode
from shared.events.envelope import IntegrationEvent
from shared.events.grants import GrantPaid, GrantSubmitted, GrantWithdrawn
from shared.events.matching import HubFormed, HubMembershipChanged, MentorPaired, MentorUnpaired
from shared.testing.helpers import auth
from shared.testing.processes import System

from .helpers import person

T = TypeVar("T")
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


async def publish(system: System, *events: IntegrationEvent) -> None:
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{system.prefix}.events")
        for event in events:
            await exchange.publish(
                aio_pika.Message(encode(event), message_id=str(event.event_id), delivery_mode=2),
                routing_key=event.routing_key(),
            )


def eventually(check: Callable[[], T], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def register(client: httpx.Client, url: str, admin: str, board: str, n: int) -> uuid.UUID:
    body: dict[str, Any] = {"board": board, "program_year": YEAR, **{k: v for k, v in person(n).items() if v}}
    body.update(subjects=[], themes=[], expertise_themes=[])
    response = client.post(f"{url}/v1/participants", json=body, headers=auth(admin))
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def test_placement_status_follows_hubs_and_pairings(registration: System, client, admin, board):
    url = registration.url("registration")
    t1, t2, t3 = (register(client, url, admin, board, n) for n in (1, 2, 3))
    mentor = register(client, url, admin, board, 5)
    hub, other_hub = uuid.uuid4(), uuid.uuid4()

    def statuses() -> dict[uuid.UUID, str]:
        return {
            p: client.get(f"{url}/v1/participants/{p}", headers=auth(admin)).json()["status"]
            for p in (t1, t2, t3, mentor)
        }

    def becomes(expected: dict[uuid.UUID, str]) -> bool:
        return eventually(lambda: statuses() == expected)

    assert statuses() == dict.fromkeys((t1, t2, t3, mentor), "registered")
    common = {"board": board, "program_year": YEAR, "theme": "assessment"}
    await publish(registration, HubFormed(hub_id=hub, members=[t1, t2], leaders=[mentor], **common))
    assert becomes({t1: "placed", t2: "placed", t3: "registered", mentor: "placed"})

    # t2 moves out (removed), t3 joins late (added).
    await publish(
        registration,
        HubMembershipChanged(
            hub_id=hub,
            added=[t3],
            removed=[t2],
            members=[t1, t3],
            leaders=[mentor],
            change="coordinator_move",
            **common,
        ),
    )
    assert becomes({t1: "placed", t2: "registered", t3: "placed", mentor: "placed"})

    # A one-to-one pairing places t2 again.
    await publish(registration, MentorPaired(board=board, program_year=YEAR, teacher_id=t2, mentor_id=mentor))
    assert becomes({t1: "placed", t2: "placed", t3: "placed", mentor: "placed"})

    # The hub dissolves: its members go back to registered, but the mentor still mentors t2; t1 is
    # in another hub as well, so stays placed.
    await publish(registration, HubFormed(hub_id=other_hub, members=[t1], leaders=[], **common))
    await publish(
        registration,
        HubMembershipChanged(
            hub_id=hub, removed=[t1, t3, mentor], members=[], leaders=[], change="dissolved", **common
        ),
    )
    assert becomes({t1: "placed", t2: "placed", t3: "registered", mentor: "placed"})

    # A withdrawal is never undone by placement news.
    assert (
        client.post(f"{url}/v1/participants/{t3}/withdrawal", json={}, headers=auth(admin)).status_code == 200
    )
    late = HubMembershipChanged(hub_id=other_hub, added=[t3], members=[t1, t3], leaders=[], **common)
    await publish(registration, late, HubFormed(hub_id=uuid.uuid4(), members=[t2], leaders=[], **common))
    assert becomes({t1: "placed", t2: "placed", t3: "withdrawn", mentor: "placed"})

    # The pairing ends: the mentor holds no hub seat or pairing any more; t2 stays placed by a hub.
    await publish(
        registration, MentorUnpaired(board=board, program_year=YEAR, teacher_id=t2, mentor_id=mentor)
    )
    assert becomes({t1: "placed", t2: "placed", t3: "withdrawn", mentor: "registered"})


def standing(client: httpx.Client, url: str, who: str, board: str, on: str) -> dict[str, Any]:
    response = client.get(f"{url}/v1/boards/{board}/timeline", params={"on": on}, headers=auth(who))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["standings"]
    (one,) = found
    return one


def closed(found: dict[str, Any]) -> dict[str, str | None]:
    return {p["key"]: p["completed_by"] for p in found["completed"]}


async def test_phases_close_from_the_facts_and_a_coordinator_can_reopen_them(
    registration: System, client, admin, board, token
):
    url = registration.url("registration")
    coordinator = token("board_coordinator", board=board)
    teacher = register(client, url, admin, board, 1)
    created = client.post(
        f"{url}/v1/program-years", json={"board": board, "program_year": YEAR}, headers=auth(coordinator)
    )
    assert created.status_code == 201, created.text
    before = standing(client, url, coordinator, board, "2026-11-15")
    assert "workshop_1" in {p["key"] for p in before["overdue"]}

    # Workshop 1 is held with attendance: its phase closes.
    session = client.post(
        f"{url}/v1/sessions",
        json={
            "board": board,
            "program_year": YEAR,
            "kind": "workshop",
            "title": "Mentorship Workshop 1",
            "facilitator": "ATA staff officer",
            "starts_at": "2026-10-16T09:00:00-04:00",
            "ends_at": "2026-10-16T15:00:00-04:00",
            "capacity": 30,
            "audience": ["beginning_teacher", "mentor"],
            "location": "Board office",
        },
        headers=auth(coordinator),
    )
    assert session.status_code == 201, session.text
    sid = session.json()["id"]
    enrolled = client.post(
        f"{url}/v1/sessions/{sid}/enrolments",
        json={"participant_id": str(teacher)},
        headers=auth(coordinator),
    )
    assert enrolled.status_code == 201, enrolled.text
    absent = client.put(
        f"{url}/v1/sessions/{sid}/attendance",
        json={"records": [{"participant_id": str(teacher), "attended": False}]},
        headers=auth(coordinator),
    )
    assert absent.status_code == 200, absent.text
    assert "workshop_1" in {
        p["key"] for p in standing(client, url, coordinator, board, "2026-11-15")["overdue"]
    }
    present = client.put(
        f"{url}/v1/sessions/{sid}/attendance",
        json={"records": [{"participant_id": str(teacher), "attended": True}]},
        headers=auth(coordinator),
    )
    assert present.status_code == 200, present.text
    after = standing(client, url, coordinator, board, "2026-11-15")
    assert "workshop_1" not in {p["key"] for p in after["overdue"]}
    assert closed(after)["workshop_1"] == "WorkshopHeld"
    assert after["scope"] == "board"

    # The board's grant application is submitted: the grant phase is done (no "due" note).
    due = standing(client, url, coordinator, board, "2027-06-01")
    assert any(note.startswith("grant_application is due") for note in due["notes"])
    grant = {
        "board": board,
        "program_year": YEAR,
        "stream": "beginning_teacher",
        "applicant_organisation": "x",
    }
    application = uuid.uuid4()
    await publish(registration, GrantSubmitted(application_id=application, **grant))
    done = eventually(
        lambda: closed(standing(client, url, coordinator, board, "2027-06-01")).get("grant_application")
    )
    assert done == "GrantSubmitted"
    assert not any(
        "grant_application" in n for n in standing(client, url, coordinator, board, "2027-06-01")["notes"]
    )

    # Withdrawn, the application is no longer submitted: the phase is due again; submitted anew, done.
    await publish(registration, GrantWithdrawn(application_id=application, **grant))
    assert eventually(
        lambda: "grant_application" not in closed(standing(client, url, coordinator, board, "2027-06-01"))
    )
    await publish(registration, GrantSubmitted(application_id=application, **grant))
    assert eventually(
        lambda: closed(standing(client, url, coordinator, board, "2027-06-01")).get("grant_application")
    )

    # The coordinator reopens it by hand; the grant is then paid, which closes it again.
    year_id = after["program_year_id"]
    reopened = client.patch(
        f"{url}/v1/program-years/{year_id}/phases/grant_application",
        json={"completed_on": None},
        headers=auth(coordinator),
    )
    assert reopened.status_code == 200, reopened.text
    assert "grant_application" not in closed(standing(client, url, coordinator, board, "2027-06-01"))
    await publish(registration, GrantPaid(application_id=application, awarded_amount="1000.00", **grant))
    paid = eventually(
        lambda: closed(standing(client, url, coordinator, board, "2027-06-01")).get("grant_application")
    )
    assert paid == "GrantPaid"
    # And closes a phase by hand: a coordinator's closure carries no fact.
    by_hand = client.patch(
        f"{url}/v1/program-years/{year_id}/phases/steering_committee",
        json={"completed_on": "2026-05-20"},
        headers=auth(coordinator),
    )
    assert by_hand.status_code == 200
    assert closed(standing(client, url, coordinator, board, "2027-06-01"))["steering_committee"] is None
