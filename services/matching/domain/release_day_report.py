"""The release-day cost report for the steering committee and grant applications.

One release = one day of an occasional teacher covering a class. The report counts them by month
and by hub (observation visits on their own line) and, given a daily rate, what they cost.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

ReleaseKind = Literal["hub_meeting", "observation"]
OBSERVATIONS = "observations"


@dataclass(frozen=True)
class ReleaseUse:
    """Releases booked on one day by one hub meeting or one observation visit."""

    day: date
    kind: ReleaseKind
    releases: int
    hub_id: str | None = None


@dataclass(frozen=True)
class ReportLine:
    key: str  # "2026-10" for a month, a hub id, or "observations"
    release_days: int
    meetings: int
    observations: int
    cost: Decimal | None


@dataclass(frozen=True)
class ReleaseDayReport:
    board: str
    program_year: str
    release_days: int
    days_with_releases: int
    meetings: int
    observations: int
    daily_rate: Decimal | None
    cost: Decimal | None
    by_month: tuple[ReportLine, ...]
    by_hub: tuple[ReportLine, ...]


def _cost(days: int, rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (rate * days).quantize(Decimal("0.01"))


def build_report(
    uses: Iterable[ReleaseUse], *, board: str, program_year: str, daily_rate: Decimal | None = None
) -> ReleaseDayReport:
    """Totals, by month (calendar order) and by hub (most release days first)."""
    items = [u for u in uses if u.releases > 0]
    months: dict[str, list[ReleaseUse]] = defaultdict(list)
    hubs: dict[str, list[ReleaseUse]] = defaultdict(list)
    for use in items:
        months[f"{use.day.year:04d}-{use.day.month:02d}"].append(use)
        hubs[use.hub_id if use.kind == "hub_meeting" and use.hub_id else OBSERVATIONS].append(use)

    def line(key: str, group: list[ReleaseUse]) -> ReportLine:
        days = sum(u.releases for u in group)
        return ReportLine(
            key=key,
            release_days=days,
            meetings=sum(1 for u in group if u.kind == "hub_meeting"),
            observations=sum(1 for u in group if u.kind == "observation"),
            cost=_cost(days, daily_rate),
        )

    by_hub = sorted((line(k, g) for k, g in hubs.items()), key=lambda r: (-r.release_days, r.key))
    total = sum(u.releases for u in items)
    return ReleaseDayReport(
        board=board,
        program_year=program_year,
        release_days=total,
        days_with_releases=len({u.day for u in items}),
        meetings=sum(1 for u in items if u.kind == "hub_meeting"),
        observations=sum(1 for u in items if u.kind == "observation"),
        daily_rate=daily_rate,
        cost=_cost(total, daily_rate),
        by_month=tuple(line(k, months[k]) for k in sorted(months)),
        by_hub=tuple(by_hub),
    )


def report_csv(report: ReleaseDayReport) -> str:
    """One table: a ``section`` column (month, hub, total) then the figures; spreadsheet-ready."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "release_days", "meetings", "observations", "cost"])

    def safe(text: str) -> str:
        # Spreadsheets run cells starting with these as formulas.
        return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text

    def money(value: Decimal | None) -> str:
        return "" if value is None else f"{value:.2f}"

    for section, lines in (("month", report.by_month), ("hub", report.by_hub)):
        for item in lines:
            writer.writerow(
                [
                    section,
                    safe(item.key),
                    item.release_days,
                    item.meetings,
                    item.observations,
                    money(item.cost),
                ]
            )
    writer.writerow(
        [
            "total",
            safe(f"{report.board} {report.program_year}"),
            report.release_days,
            report.meetings,
            report.observations,
            money(report.cost),
        ]
    )
    return out.getvalue()
