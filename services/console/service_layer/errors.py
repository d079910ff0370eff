"""What can go wrong in a console use case; entrypoints/problems.py turns each into a page and a status."""

from __future__ import annotations

from services.console.domain.reasons import Reason


class ConsoleError(Exception):
    pass


class NotSignedIn(ConsoleError):
    """No session or it expired: go to the sign-in page."""


class NotFound(ConsoleError):
    """Nothing here for this user (other boards' pages answer this too, never confirming they exist)."""


class Forbidden(ConsoleError):
    """Signed in but without a console role, or a form arrived without its CSRF token."""


class Refused(ConsoleError):
    """A service refused a change; its reasons, ready to be worded in the user's language."""

    def __init__(self, reasons: list[Reason], *, forceable: bool = False):
        super().__init__("; ".join(r.original for r in reasons))
        self.reasons = reasons
        self.forceable = forceable


class InvalidInput(ConsoleError):
    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(fields))
        self.fields = fields


class Unavailable(ConsoleError):
    """A service could not answer (down or timing out)."""


class SignInFailed(ConsoleError):
    """The identity provider's answer did not verify."""


class NotCaughtUp(ConsoleError):
    """Matching has not yet heard of everything registration holds for the board: try again shortly."""

    def __init__(self, participants: int, revisions: int, retry_after: int):
        super().__init__(f"behind by {participants} participants, {revisions} revisions")
        self.participants = participants
        self.revisions = revisions
        self.retry_after = retry_after
