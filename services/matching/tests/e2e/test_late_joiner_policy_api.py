"""A board holds late joiners for review when its coordinator says so: the policy over HTTP, against
matching running as a process."""

from __future__ import annotations

import httpx
import pytest

from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_the_coordinator_sets_it_on_the_boards_matching_policy(matching_system, token):
    board = unique_board()
    url = f"{matching_system.url('matching')}/v1/boards/{board}/matching-policy"
    coordinator = {"Authorization": f"Bearer {token('board_coordinator', board=board)}"}
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(url, headers=coordinator)).json()["hold_late_joiners"] is False
        put = await client.put(url, json={"hold_late_joiners": True}, headers=coordinator)
        assert put.status_code == 200 and put.json()["hold_late_joiners"] is True
        assert (await client.get(url, headers=coordinator)).json()["hold_late_joiners"] is True
        wrong = await client.put(url, json={"hold_late_joiners": "sometimes"}, headers=coordinator)
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["hold_late_joiners"]
