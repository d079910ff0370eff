"""A board's hubs as one CSV row per seat (member or leader), with each person's HR id so the file
joins with the board's own HR records; safe to open in a spreadsheet.

Every cell is text; a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe so a spreadsheet shows it instead of evaluating it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HUB_SEAT_COLUMNS: tuple[str, ...] = (
    "hub_id",
    "theme",
    "grade_band",
    "language",
    "track",
    "locked",
    "seat",  # member | leader
    "participant_id",
    "hr_id",
    "display_name",
    "school",
)


def cell(value: object) -> str:
    """``value`` as text (booleans as true/false), with a leading apostrophe if a spreadsheet would
    read it as a formula."""
    text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_lines(rows: Iterable[Sequence[object]], *, header: bool = False) -> str:
    """Rows (in the order of :data:`HUB_SEAT_COLUMNS`) as CSV text, with the header first if asked."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(HUB_SEAT_COLUMNS)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()
