"""Which failures are retried in place (the database is away) and which count toward dead-lettering."""

import asyncpg
import pytest
import sqlalchemy.exc

from shared.bus.errors import describe_error, is_transient

pytestmark = pytest.mark.unit


def _wrapped(orig: BaseException) -> sqlalchemy.exc.DBAPIError:
    return sqlalchemy.exc.DBAPIError("INSERT INTO participants VALUES (...)", {"email": "x@y.org"}, orig)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
            'database "x" is not currently accepting connections'
        ),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        TimeoutError(),
    ],
)
def test_database_away_is_transient(error: BaseException):
    assert is_transient(error)
    assert is_transient(_wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad data"),
        asyncpg.exceptions.StringDataRightTruncationError("value too long for type character varying(9)"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
    ],
)
def test_bad_messages_are_not_transient(error: BaseException):
    assert not is_transient(error)
    assert not is_transient(_wrapped(error))


def test_error_descriptions_never_carry_sql_parameters():
    described = describe_error(_wrapped(ValueError("boom")))
    assert "x@y.org" not in described and "INSERT" not in described
