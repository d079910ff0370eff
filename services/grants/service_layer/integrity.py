"""Which database constraint refused a statement, so the use case can say what collided."""

from __future__ import annotations

from shared.bus.errors import error_chain


def constraint_name(exc: BaseException) -> str | None:
    """The name of the violated constraint (asyncpg reports it), or None."""
    for error in error_chain(exc):
        name = getattr(error, "constraint_name", None)
        if name:
            return str(name)
    return None
