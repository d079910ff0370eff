"""Row-level security in matching's database (shared/rls.py): with the board filter removed from the
query, a coordinator of board A reads nothing of board B; the runtime role owns nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from shared.testing import rls
from shared.testing.infrastructure import Infrastructure

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def probe(infra: Infrastructure, run_prefix: str) -> AsyncIterator[rls.RlsProbe]:
    probe = await rls.RlsProbe.create(infra, run_prefix, "matching")
    await probe.seed()
    yield probe
    await probe.drop()


async def test_every_board_scoped_table_has_its_policies(probe: rls.RlsProbe) -> None:
    assert probe.board_tables
    assert await probe.unprotected_tables() == []


async def test_the_runtime_role_owns_nothing(probe: rls.RlsProbe) -> None:
    assert await probe.owned_by_runtime_role() == []


async def test_a_coordinator_of_board_a_reads_nothing_of_board_b(probe: rls.RlsProbe) -> None:
    await rls.assert_coordinator_reads_only_own_board(probe)


async def test_province_staff_and_system_see_every_board_no_scope_sees_none(probe: rls.RlsProbe) -> None:
    await rls.assert_scopes(probe)


async def test_board_a_cannot_move_a_row_into_board_b(probe: rls.RlsProbe) -> None:
    await rls.assert_no_write_into_other_board(probe)
