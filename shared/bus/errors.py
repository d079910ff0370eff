"""How the consumer tells a bad message from a database or broker that is briefly away."""

from __future__ import annotations

import asyncio

import asyncpg
import sqlalchemy.exc

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


def describe_error(exc: BaseException) -> str:
    """A short error description safe for logs and dead-letter headers: for database errors the
    driver's message only, never the SQL parameters (which may hold names or emails)."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {first_line}"[:500]


# SQLSTATE classes that mean "the database is (briefly) not there", not "this message is bad":
# connection exceptions, insufficient resources, operator intervention (shutdown, cannot connect now),
# serialization failures and deadlocks (retry the transaction).
_TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")


def error_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend([getattr(current, "orig", None), current.__cause__, current.__context__])
    return seen


def is_transient(exc: BaseException) -> bool:
    """True for infrastructure trouble worth retrying in place (database or broker unreachable)."""
    for error in error_chain(exc):
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, TRANSIENT_ERRORS):
            return True
        sqlstate = str(getattr(error, "sqlstate", "") or "")
        if sqlstate.startswith(_TRANSIENT_SQLSTATES) or "not currently accepting connections" in str(error):
            return True
    return False
