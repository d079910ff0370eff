"""Finance export: approved awards as CSV rows, safe to open in a spreadsheet.

Every cell is text; a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe so a spreadsheet shows it instead of evaluating it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from services.grants.domain.application import Application
from services.grants.domain.lifecycle import ApplicationState, AuditEntry
from services.grants.domain.money import format_amount

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FINANCE_COLUMNS: tuple[str, ...] = (
    "application_id",
    "board",
    "program_year",
    "stream",
    "board_code",
    "association_local",
    "contact_name",
    "contact_email",
    "requested_total",
    "awarded_amount",
    "approved_at",
    "approved_by",
)


def neutralise_cell(value: object) -> str:
    """``value`` as text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _approval(app: Application) -> AuditEntry | None:
    for entry in reversed(app.audit):
        if entry.to_state is ApplicationState.APPROVED:
            return entry
    return None


def finance_row(app: Application) -> list[str]:
    """One application's cells, in :data:`FINANCE_COLUMNS` order, neutralised."""
    approval = _approval(app)
    cells: list[object] = [
        app.id,
        app.board,
        app.program_year,
        app.stream,
        app.organisation.board_code,
        app.organisation.association_local,
        app.contact.name if app.contact else None,
        app.contact.email if app.contact else None,
        format_amount(app.requested_total),
        format_amount(app.awarded_amount) if app.awarded_amount is not None else None,
        approval.at.isoformat() if approval else None,
        approval.actor if approval else None,
    ]
    return [neutralise_cell(cell) for cell in cells]


def finance_rows(
    applications: Iterable[Application],
    *,
    states: Sequence[ApplicationState] = (ApplicationState.APPROVED,),
    header: bool = True,
) -> list[list[str]]:
    """The header (unless ``header=False``) then one row per application in ``states``, in input order.

    By default only approved awards, i.e. those finance still has to pay.
    """
    rows = [list(FINANCE_COLUMNS)] if header else []
    rows.extend(finance_row(app) for app in applications if app.state in states)
    return rows


def finance_csv(
    applications: Iterable[Application],
    *,
    states: Sequence[ApplicationState] = (ApplicationState.APPROVED,),
    header: bool = True,
) -> str:
    """:func:`finance_rows` as CSV text (RFC 4180: quoted as needed, CRLF line ends)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(finance_rows(applications, states=states, header=header))
    return buffer.getvalue()
