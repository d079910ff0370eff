"""What the evaluation screens show, from evaluation's answers (aggregates only: the console never
asks for, and evaluation never gives, anyone's survey answers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROUND_KINDS = ("baseline", "mid_year", "end_of_year")
KINDS = ("pulse", *ROUND_KINDS)
REPORT_FORMATS = ("pdf", "csv")


@dataclass(frozen=True)
class CheckIn:
    """A "needs check-in" flag with what it is about, worded by the template from ``code``."""

    code: str  # quiet_hub | missed_meetings | no_observation
    hub: str | None
    hub_id: str | None
    person: str | None
    mentor: str | None
    since: str | None


def check_ins(
    flags: list[dict[str, Any]], hubs: Mapping[str, str], people: Mapping[str, str]
) -> list[CheckIn]:
    """Each flag with the hub's and the people's names (ids only if the console does not know them)."""

    def name(found: Mapping[str, str], key: Any) -> str | None:
        return None if key is None else found.get(str(key), "")

    return [
        CheckIn(
            code=str(f["code"]),
            hub=name(hubs, f.get("hub_id")),
            hub_id=None if f.get("hub_id") is None else str(f["hub_id"]),
            person=name(people, f.get("participant_id")),
            mentor=name(people, f.get("mentor_id")),
            since=f.get("since"),
        )
        for f in flags
    ]


@dataclass(frozen=True)
class HubHealth:
    hub_id: str
    name: str
    planned: int
    held: int
    cancelled: int
    attendance_rate: float | None
    days_since_contact: int | None
    on_track: bool


def hub_health(engagement: dict[str, Any], hubs: Mapping[str, str]) -> list[HubHealth]:
    """Per hub: on track unless a "needs check-in" flag names it (or one of its members)."""
    flagged = {str(f["hub_id"]) for f in engagement.get("needs_check_in", []) if f.get("hub_id")}
    rows = [
        HubHealth(
            hub_id=str(h["hub_id"]),
            name=hubs.get(str(h["hub_id"]), ""),
            planned=int(h["meetings_planned"]),
            held=int(h["meetings_held"]),
            cancelled=int(h.get("meetings_cancelled") or 0),
            attendance_rate=h.get("attendance_rate"),
            days_since_contact=h.get("days_since_contact"),
            on_track=str(h["hub_id"]) not in flagged,
        )
        for h in engagement.get("hubs", [])
    ]
    return sorted(rows, key=lambda r: (r.on_track, r.name.casefold(), r.hub_id))


@dataclass(frozen=True)
class RoundRow:
    """One kind of survey in the year: how many, how many people invited, and the response rate, or
    why it cannot be shown (fewer respondents than the smallest group evaluation reports)."""

    kind: str
    surveys: int
    open: int
    invited: int
    respondents: int | None
    suppressed: bool
    reason: str | None
    closes_at: str | None

    @property
    def rate(self) -> float | None:
        if self.suppressed or self.respondents is None or not self.invited:
            return None
        return self.respondents / self.invited


def is_open(survey: dict[str, Any], now: datetime) -> bool:
    closes = survey.get("closes_at")
    opens = survey.get("opens_at")
    if closes is None or opens is None:
        return False
    return datetime.fromisoformat(str(opens)) <= now < datetime.fromisoformat(str(closes))


def round_rows(
    surveys: list[dict[str, Any]], results: Mapping[str, dict[str, Any] | None], now: datetime
) -> list[RoundRow]:
    """A row per kind that has at least one survey, in the year's order (pulse first)."""
    rows = []
    for kind in KINDS:
        mine = [s for s in surveys if s.get("kind") == kind]
        if not mine:
            continue
        found = results.get(kind)
        suppressed = found is None or bool(found.get("suppressed"))
        latest = max(mine, key=lambda s: str(s.get("closes_at") or ""))
        rows.append(
            RoundRow(
                kind=kind,
                surveys=len(mine),
                open=sum(1 for s in mine if is_open(s, now)),
                invited=sum(int(s.get("invited") or 0) for s in mine),
                respondents=None if suppressed or found is None else found.get("respondents"),
                suppressed=suppressed,
                reason=(found or {}).get("reason") if found is not None else "small_group",
                closes_at=latest.get("closes_at"),
            )
        )
    return rows


def can_open(kind: str, surveys: list[dict[str, Any]]) -> bool:
    """A coordinator may open a round of a kind the year does not have yet (evaluation decides)."""
    return kind in ROUND_KINDS and not any(s.get("kind") == kind for s in surveys)
