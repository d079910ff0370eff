"""What a screen shows, computed from the services' answers (plain dicts as the APIs return them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class AttentionItem:
    """Something on a board that needs a coordinator, and where it is fixed."""

    # unplaced_teacher | not_placed_yet | matching_behind | draft_run | hub_missing_leaders | hub_flagged
    # | needs_check_in | meeting_without_cover | failed_message | overdue_phase | no_timeline
    kind: str
    count: int
    link: str
    detail: str = ""


@dataclass(frozen=True)
class BoardHome:
    board: dict[str, Any]
    program_year: str
    phase_titles: list[str]
    next_titles: list[str]
    overdue_titles: list[str]
    counts: dict[str, int]
    attention: list[AttentionItem] = field(default_factory=list)
    readiness: dict[str, Any] | None = None


def latest_pairings(runs: list[dict[str, Any]]) -> int:
    """One-to-one pairings the latest finished matching run made (0 before any run)."""
    finished = [r for r in runs if r.get("finished_at")]
    if not finished:
        return 0
    latest = max(finished, key=lambda r: str(r["finished_at"]))
    return int((latest.get("counts") or {}).get("pairings", 0))


def hubs_missing_leaders(hubs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hubs with fewer than the two leaders every hub has."""
    return [h for h in hubs if len(h.get("leaders") or []) < 2]


def board_home(
    *,
    board: dict[str, Any],
    program_year: str,
    timeline: dict[str, Any] | None,
    registered: int,
    placed: int,
    withdrawn: int,
    hubs: list[dict[str, Any]],
    hub_total: int,
    unplaced: list[dict[str, Any]],
    meetings: list[dict[str, Any]],
    failed_messages: int,
    runs: list[dict[str, Any]] | None = None,
    readiness: dict[str, Any] | None = None,
    capacity: list[dict[str, Any]] | None = None,
    check_ins: int | None = None,
) -> BoardHome:
    """The board home's counts and its "needs attention" list, each item linking to where it is fixed.

    Every fact the other figures imply is flagged, not only what the services call a problem: people
    registered whom no run has placed yet, matching behind registration, a draft nobody reviewed,
    meetings booked on a day without enough occasional teachers, a year with no calendar of phases.
    """
    code = board["code"]
    standing = _standing_for(timeline, program_year)
    held = sum(1 for m in meetings if m.get("status") == "held")
    planned = sum(1 for m in meetings if m.get("status") in PLANNED)
    members = sum(int(h.get("member_count") or len(h.get("members") or [])) for h in hubs)
    counts = {
        "registered": registered,
        "placed": placed,
        "unplaced": len(unplaced),
        "withdrawn": withdrawn,
        "hubs": hub_total,
        "hub_members": members,
        "pairings": latest_pairings(runs or []),
        "meetings_held": held,
        "meetings_planned": planned,
    }
    attention: list[AttentionItem] = []
    if readiness is not None and not readiness.get("up_to_date", True):
        behind = readiness.get("behind") or {}
        attention.append(
            AttentionItem(
                "matching_behind", int(behind.get("participants") or 0), f"/boards/{code}#readiness"
            )
        )
    draft = latest_draft(runs or [])
    if draft is not None:
        attention.append(
            AttentionItem("draft_run", 1, f"/boards/{code}/matching-runs/{draft['id']}?year={program_year}")
        )
    if unplaced:
        attention.append(AttentionItem("unplaced_teacher", len(unplaced), f"/boards/{code}/hubs#unplaced"))
    waiting = registered - placed - len(unplaced)
    if waiting > 0:
        attention.append(AttentionItem("not_placed_yet", waiting, f"/boards/{code}/hubs#runs"))
    short = hubs_missing_leaders(hubs)
    if short:
        attention.append(
            AttentionItem("hub_missing_leaders", len(short), f"/boards/{code}/hubs#hub-{short[0]['id']}")
        )
    flagged = [h for h in hubs if h.get("flags") and h not in short]
    if flagged:
        attention.append(
            AttentionItem("hub_flagged", len(flagged), f"/boards/{code}/hubs#hub-{flagged[0]['id']}")
        )
    if check_ins:
        attention.append(AttentionItem("needs_check_in", check_ins, f"/boards/{code}/evaluation#check-in"))
    uncovered = meetings_without_cover(meetings, capacity)
    if uncovered:
        attention.append(AttentionItem("meeting_without_cover", len(uncovered), f"/boards/{code}/hubs"))
    if failed_messages:
        attention.append(AttentionItem("failed_message", failed_messages, f"/boards/{code}/messages"))
    if standing and standing.get("overdue"):
        attention.append(AttentionItem("overdue_phase", len(standing["overdue"]), f"/boards/{code}#timeline"))
    if timeline is not None and not _has_phases(standing):
        attention.append(AttentionItem("no_timeline", 1, f"/boards/{code}#timeline"))
    return BoardHome(
        board=board,
        program_year=program_year,
        phase_titles=[p["title"] for p in (standing or {}).get("current", [])],
        next_titles=[p["title"] for p in (standing or {}).get("next", [])],
        overdue_titles=[p["title"] for p in (standing or {}).get("overdue", [])],
        counts=counts,
        attention=attention,
        readiness=readiness,
    )


def latest_draft(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest run if it is a draft nobody has published or discarded yet."""
    if not runs:
        return None
    latest = max(runs, key=lambda r: str(r.get("started_at") or ""))
    return latest if latest.get("status") == "draft" else None


PLANNED = ("scheduled", "planned", "rescheduled")


def meetings_without_cover(
    meetings: list[dict[str, Any]], capacity: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Planned meetings that release teachers on a day with no occasional teacher left to cover them:
    a day the board gave no capacity for, or one booked beyond it. Unknown capacity (None) flags none."""
    if capacity is None:
        return []
    left = {
        str(d["date"]): int(d.get("left", int(d["capacity"]) - int(d.get("booked", 0)))) for d in capacity
    }
    return [
        m
        for m in meetings
        if m.get("status") in PLANNED
        and m.get("release_time", True)
        and int(m.get("releases") or 0) > 0
        and (str(m.get("day")) not in left or left[str(m.get("day"))] < 0)
    ]


def _has_phases(standing: dict[str, Any] | None) -> bool:
    if not standing:
        return False
    return any(standing.get(k) for k in ("current", "overdue", "next", "upcoming", "completed"))


def _standing_for(timeline: dict[str, Any] | None, program_year: str) -> dict[str, Any] | None:
    if not timeline:
        return None
    standings = timeline.get("standings") or []
    for s in standings:
        if s.get("program_year") == program_year and s.get("scope") == "board":
            return s  # type: ignore[no-any-return]
    for s in standings:
        if s.get("program_year") == program_year:
            return s  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True)
class Pages:
    """Pagination of a list: which page, how many, and the offsets of the neighbours."""

    page: int
    pages: int
    total: int
    offset: int
    limit: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def paginate(total: int, page: int, limit: int) -> Pages:
    pages = max(1, -(-total // limit))
    page = min(max(1, page), pages)
    return Pages(page=page, pages=pages, total=total, offset=(page - 1) * limit, limit=limit)


def move_targets(hubs: list[dict[str, Any]], from_hub_id: str) -> list[dict[str, Any]]:
    """Hubs a member of ``from_hub_id`` may be offered to move to: every other hub of the same year
    (matching decides whether the move is allowed and says why not)."""
    source = next((h for h in hubs if str(h["id"]) == from_hub_id), None)
    year = source["program_year"] if source else None
    return [h for h in hubs if str(h["id"]) != from_hub_id and (year is None or h["program_year"] == year)]


def province_rows(boards: list[dict[str, Any]], figures: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """One row per board, in board-name order, with the figures known for it (0 when none)."""
    keys = ("registered", "placed", "hubs", "meetings_held", "applications")
    rows = []
    for b in sorted(boards, key=lambda b: str(b.get("name", b["code"])).casefold()):
        known = figures.get(b["code"], {})
        rows.append({"board": b, **{k: int(known.get(k, 0)) for k in keys}})
    return rows


def program_year_bounds(year: str) -> tuple[date, date]:
    """First and last day of a program year ("2026-2027": July 1, 2026 to June 30, 2027)."""
    start = int(year[:4])
    return date(start, 7, 1), date(start + 1, 6, 30)


def program_year_of(day: date) -> str:
    """The program year a day falls in: a school year runs from July to June."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def participant_counts(rows: list[dict[str, Any]], board: str) -> dict[str, int]:
    """Totals of one board from registration's (board, role, status, count) rows."""
    mine = [r for r in rows if r["board"] == board]
    withdrawn = sum(r["count"] for r in mine if r["status"] == "withdrawn")
    return {
        "registered": sum(r["count"] for r in mine) - withdrawn,
        "placed": sum(r["count"] for r in mine if r["status"] == "placed"),
        "withdrawn": withdrawn,
    }
