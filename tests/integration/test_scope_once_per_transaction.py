"""The unit of work sends the board once per transaction, not per statement (shared/db.py), and a
transaction after a commit gets it again (SET LOCAL ends with the transaction)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import runtime_url

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_board_is_set_once_per_transaction(infra: Infrastructure, run_prefix: str) -> None:
    owner = infra.database_url(f"{run_prefix}_scope_once")
    await upgrade("grants", owner)
    engine = make_engine(runtime_url(owner, "grants"), pool_size=1)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        async with UnitOfWork(make_session_factory(engine), board="ELM") as uow:
            for _ in range(3):
                await uow.session.execute(sa.text("SELECT count(*) FROM grant_applications"))
            assert (
                await uow.session.execute(sa.text("SELECT current_setting('app.board')"))
            ).scalar() == "ELM"
            await uow.commit()
            # A second transaction in the same unit: scoped again, by one more statement.
            await uow.session.execute(sa.text("SELECT count(*) FROM grant_extensions"))
            assert (
                await uow.session.execute(sa.text("SELECT current_setting('app.scope')"))
            ).scalar() == "board"
            await uow.commit()
        # Pooled, the same connection carries nothing into the next unit.
        async with UnitOfWork(make_session_factory(engine)) as bare:
            leftover = (
                await bare.session.execute(sa.text("SELECT current_setting('app.board', true)"))
            ).scalar()
        assert leftover in ("", None)
        set_config = [s for s in statements if "set_config('app.board'" in s]
        assert len(set_config) == 2, statements
        assert len(statements) == 2 + 4 + 2 + 1
    finally:
        await engine.dispose()
        await drop_database(owner)
