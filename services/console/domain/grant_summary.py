"""Where the province's start-up grant applications stand: counts by status, what is requested beside
what is awarded and paid, each program's budget; and the queue as CSV. Pure: it adds up what grants
answered and decides nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

STATUSES = ("draft", "submitted", "under_review", "approved", "declined", "paid", "withdrawn")
TO_REVIEW = ("submitted", "under_review")
TO_PAY = ("approved",)
AWARDED = ("approved", "paid")
# What the province was asked for: every application sent to it (a draft or a withdrawn one is not).
ASKED = ("submitted", "under_review", "approved", "declined", "paid")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Gauge:
    counts: dict[str, int]
    requested: Decimal
    awarded: Decimal
    paid: Decimal
    budget: Decimal
    remaining: Decimal

    @property
    def awarded_share(self) -> float:
        """The awarded share of the budget, 0 to 1 (for a meter)."""
        return float(min(self.awarded / self.budget, Decimal(1))) if self.budget > 0 else 0.0

    @property
    def awarded_of_requested(self) -> float:
        return float(min(self.awarded / self.requested, Decimal(1))) if self.requested > 0 else 0.0


def _amount(value: object) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def gauge(applications: Iterable[dict[str, Any]], programs: Iterable[dict[str, Any]]) -> Gauge:
    """Counts by status (every status, zero included) and the amounts, from grants' summaries."""
    counts = dict.fromkeys(STATUSES, 0)
    requested = awarded = paid = Decimal(0)
    for a in applications:
        status = a["status"]
        counts[status] = counts.get(status, 0) + 1
        if status in ASKED:
            requested += _amount(a["requested_total"])
        if status in AWARDED:
            awarded += _amount(a.get("awarded_amount"))
        if status == "paid":
            paid += _amount(a.get("awarded_amount"))
    found = list(programs)
    budget = sum((_amount(p["budget"]) for p in found), Decimal(0))
    remaining = sum((_amount(p["remaining"]) for p in found), Decimal(0))
    return Gauge(counts, requested, awarded, paid, budget, remaining)


def oldest_first(applications: Iterable[dict[str, Any]], statuses: Sequence[str]) -> list[dict[str, Any]]:
    return sorted(
        (a for a in applications if a["status"] in statuses),
        key=lambda a: str(a.get("submitted_at") or a["created_at"]),
    )


def _cell(value: object) -> str:
    """Text a spreadsheet shows as text: a cell that would start a formula is quoted with '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _day(moment: str | None, zone: str | None) -> str:
    if not moment:
        return ""
    when = datetime.fromisoformat(moment)
    return (when.astimezone(ZoneInfo(zone)) if zone else when).date().isoformat()


def queue_csv(
    rows: Iterable[dict[str, Any]],
    boards: dict[str, dict[str, Any]],
    headers: Sequence[str],
    words: dict[str, str],
) -> str:
    """The queue as CSV: ``headers`` and the status and stream ``words`` in the reader's language,
    amounts as plain decimals (1250.50) that every spreadsheet reads, days in each board's time zone."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for a in rows:
        board = boards.get(a["board"], {})
        writer.writerow(
            [
                _cell(board.get("name") or a["board"]),
                _cell(a["board"]),
                _cell(a["applicant_organisation"]),
                words.get(a["stream"], a["stream"]),
                words.get(a["status"], a["status"]),
                _day(a.get("submitted_at"), board.get("timezone")),
                a["requested_total"],
                a.get("awarded_amount") or "",
            ]
        )
    return out.getvalue()
