"""The board's daily supply of occasional (substitute) teachers, as exported by an absence-management
system: a CSV with a ``date`` and an ``available`` column (other columns are ignored).

Pure parsing: row errors name the row (header = row 1, as a spreadsheet shows it) and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

MAX_AVAILABLE = 10_000
MAX_ROWS = 5_000
_DATE_HEADERS = ("date", "day", "jour")
_AVAILABLE_HEADERS = ("available", "capacity", "occasional_teachers", "disponibles", "disponible")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class CapacityFile:
    days: dict[date, int] = field(default_factory=dict)
    errors: tuple[RowError, ...] = ()


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (spreadsheets saved on Windows)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _parse_date(value: str) -> date | None:
    text = value.strip().replace("/", "-")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_capacity_csv(text: str) -> CapacityFile:
    """Days and occasional teachers available; a date listed twice is an error (the first wins)."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return CapacityFile(
            errors=(RowError(1, "date", "the file is empty; expected a header date,available"),)
        )
    header_line = lines[0]
    delimiter = "," if "," in header_line else ";" if ";" in header_line else "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [_norm(h) for h in next(reader)]
    date_col = next((header.index(h) for h in _DATE_HEADERS if h in header), None)
    available_col = next((header.index(h) for h in _AVAILABLE_HEADERS if h in header), None)
    missing = [name for name, col in (("date", date_col), ("available", available_col)) if col is None]
    if missing:
        return CapacityFile(
            errors=tuple(RowError(1, m, f"missing column {m!r} (header: date,available)") for m in missing)
        )
    assert date_col is not None and available_col is not None
    days: dict[date, int] = {}
    first_row: dict[date, int] = {}
    errors: list[RowError] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if number - 1 > MAX_ROWS:
            errors.append(RowError(number, "date", f"more than {MAX_ROWS} rows"))
            break
        if len(cells) <= max(date_col, available_col):
            errors.append(RowError(number, "available", "too few columns"))
            continue
        day = _parse_date(cells[date_col])
        if day is None:
            errors.append(RowError(number, "date", f"not a date (YYYY-MM-DD): {cells[date_col][:40]!r}"))
            continue
        raw = cells[available_col].strip()
        try:
            available = int(raw)
        except ValueError:
            errors.append(RowError(number, "available", f"not a whole number: {raw[:40]!r}"))
            continue
        if not 0 <= available <= MAX_AVAILABLE:
            errors.append(RowError(number, "available", f"must be between 0 and {MAX_AVAILABLE}"))
            continue
        if day in days:
            errors.append(
                RowError(number, "date", f"{day.isoformat()} already given on row {first_row[day]}")
            )
            continue
        days[day] = available
        first_row[day] = number
    return CapacityFile(days=days, errors=tuple(errors))
