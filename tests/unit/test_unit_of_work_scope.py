"""Who a unit of work acts for (row-level security, shared/rls.py): derived from the request's
principal, never from what a route passes, and nothing at all when nobody is known."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from shared import auth
from shared.auth import Principal
from shared.db import UnitOfWork, scope_info
from shared.rls import board_table_statements, child_table_statements, runtime_role
from shared.runtime import Runtime


def principal(*roles: str, board: str | None = None, participant: uuid.UUID | None = None) -> Principal:
    return Principal(subject="t", roles=frozenset(roles), board=board, participant_id=participant)


def fake_runtime(participant_board: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        session_factory=object(), spec=SimpleNamespace(participant_board=participant_board)
    )


def uow_for(who: Principal | None, runtime: SimpleNamespace | None = None, **kwargs: object) -> UnitOfWork:
    token = auth._request_principal.set(who)
    try:
        return Runtime.uow(runtime or fake_runtime(), **kwargs)  # type: ignore[arg-type]  # a stand-in: only what uow() reads
    finally:
        auth._request_principal.reset(token)


def test_a_coordinator_acts_for_their_board_whatever_the_route_passes() -> None:
    uow = uow_for(principal("board_coordinator", board="ELM"), board="OAK")
    assert (uow.board, uow.scope) == ("ELM", "board")


def test_province_staff_act_in_the_province_scope() -> None:
    uow = uow_for(principal("province_admin"), board="OAK")
    assert uow.scope == "province"


def test_a_token_without_a_board_acts_for_nobody_unless_the_service_knows_the_participant() -> None:
    assert uow_for(principal("board_coordinator")).scope is None
    someone = uuid.uuid4()
    assert uow_for(principal("participant", participant=someone)).scope is None
    known = uow_for(principal("participant", participant=someone), fake_runtime("SELECT board ..."))
    assert known.scope is None and known._participant_board is not None
    assert known._participant_board[1] == someone


def test_outside_a_request_only_an_explicit_board_or_scope_counts() -> None:
    assert uow_for(None).scope is None
    assert (uow_for(None, board="ELM").board, uow_for(None, board="ELM").scope) == ("ELM", "board")
    assert uow_for(None, scope="system").scope == "system"


def test_scope_info_refuses_what_would_open_every_board_by_mistake() -> None:
    assert scope_info() == {}
    with pytest.raises(ValueError):
        scope_info(scope="board")
    with pytest.raises(ValueError):
        scope_info(scope="everything")  # type: ignore[arg-type]  # not a Scope, on purpose


def test_policies_are_forced_and_name_the_per_transaction_settings() -> None:
    sql = " ".join(board_table_statements("hubs", provincial_rows=True))
    assert "FORCE ROW LEVEL SECURITY" in sql
    assert "board = current_setting('app.board', true)" in sql
    assert "current_setting('app.scope', true) = 'province'" in sql
    assert "FOR SELECT USING (board IS NULL)" in sql
    child = " ".join(child_table_statements("lines", parent="apps", columns={"app_id": "id"}))
    assert 'EXISTS (SELECT 1 FROM "apps" p WHERE p."id" = "lines"."app_id")' in child
    with pytest.raises(ValueError):
        board_table_statements('hubs"; DROP TABLE x; --')
    assert runtime_role("grants") == "mentorweb_grants_app"
