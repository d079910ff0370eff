"""Refusals of the service layer (what the domain alone cannot know: existence, what registration
holds), each a :class:`MatchingError` the HTTP layer maps in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.matching.domain.errors import MatchingError

if TYPE_CHECKING:
    from services.matching.service_layer.readiness import Readiness


class NotFound(MatchingError):
    """No such object in the caller's board (never confirming other boards' ids)."""

    def __init__(self, what: str, *, field: str | None = None):
        super().__init__(what)
        self.what = what
        self.field = field


class NoSchoolCalendar(MatchingError):
    """The board has no school calendar for the program year yet."""

    def __init__(self, board: str, program_year: str):
        super().__init__(
            f"program_year: board {board} has no school calendar for {program_year}; "
            f"PUT /v1/boards/{board}/calendars/{program_year} first"
        )
        self.board = board
        self.program_year = program_year


class ReadinessError(MatchingError):
    """Base of the refusals of a run start while matching is not up to date with registration."""


class UnknownBoard(ReadinessError):
    def __init__(self, board: str):
        super().__init__(
            f"registration holds nobody for board {board!r} (an unknown board, or none registered yet)"
        )
        self.board = board


class UnknownProgramYear(ReadinessError):
    def __init__(self, board: str, program_year: str):
        super().__init__(f"registration holds nobody of board {board} in program year {program_year}")
        self.program_year = program_year


class NotCaughtUp(ReadinessError):
    def __init__(self, readiness: Readiness):
        behind = readiness.behind
        super().__init__(
            f"matching has not caught up with registration for {readiness.board} {readiness.program_year}: "
            f"{behind['participants']} participant(s) and {behind['revisions']} revision(s) behind"
            + (", an import is under way" if readiness.importing else "")
        )
        self.readiness = readiness
