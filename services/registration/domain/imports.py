"""Bulk imports: turn rows of an HR file into participants to upsert or withdraw, or row errors.

Mentorweb's own CSV format is parsed here (its columns are documented in the service README);
OneRoster bundles are parsed in :mod:`oneroster` and validated by the same :func:`validate_row`.
Pure: the caller passes the bytes, the known themes and the board; nothing here touches a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import email_validator

from services.registration.domain.participants import validate_participant
from services.registration.domain.tabular import (
    FileProblem,
    RowError,
    normalise_header,
    read_header,
    read_table,
)
from shared.events.vocabulary import GRADE_BANDS, ROLES

# Mentorweb CSV columns, in the order of the documented template.
COLUMNS: tuple[str, ...] = (
    "board",
    "program_year",
    "hr_id",
    "role",
    "given_name",
    "family_name",
    "email",
    "language",
    "school",
    "grade_band",
    "subjects",
    "themes",
    "learning_goals",
    "expertise_themes",
    "trained",
    "hub_capacity",
    "one_to_one_capacity",
    "leads_school_leaders",
    "evaluates_hr_ids",
    "status",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("hr_id", "role", "given_name", "family_name", "email")
LIST_FIELDS = ("subjects", "themes", "expertise_themes", "evaluates_hr_ids")
LIST_LIMITS = {"subjects": 20, "themes": 10, "expertise_themes": 10, "evaluates_hr_ids": 500}
TEXT_LIMITS = {
    "hr_id": 80,
    "given_name": 100,
    "family_name": 100,
    "email": 254,
    "school": 200,
    "learning_goals": 4000,
}
PROGRAM_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_TRUE = {"true", "yes", "y", "1", "oui", "o", "vrai", "x"}
_FALSE = {"false", "no", "n", "0", "non", "faux", ""}

_WITHDRAWN = {"withdrawn", "withdraw", "tobedeleted", "retiré", "retire"}

Action = Literal["upsert", "withdraw"]


@dataclass(frozen=True)
class ImportContext:
    """What a file is read against: the import's board, default program year and the theme taxonomy."""

    board: str
    program_year: str | None
    known_themes: frozenset[str]
    default_language: str = "en"


@dataclass
class ImportItem:
    """One record of the file: what to do with it (upsert / withdraw / skip), or why it was refused."""

    row: int
    action: Action | Literal["skip", "error"]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class SchoolRecord:
    code: str
    name: str


@dataclass
class ParsedImport:
    """A file, read: ``total`` items to come, in file order, validated lazily as ``items`` is consumed
    (so a worker can validate the next chunk while the database applies this one); plus, for
    OneRoster, schools and row errors of the other files of the bundle."""

    total: int
    items: Iterator[ImportItem]
    encoding: str
    schools: list[SchoolRecord] = field(default_factory=list)
    preamble_errors: list[RowError] = field(default_factory=list)


def split_list(value: str) -> list[str]:
    """'Mathematics; Arts;' → ['Mathematics', 'Arts'] (order kept, blanks and repeats dropped)."""
    if ";" not in value:
        value = value.strip()
        return [value] if value else []
    seen: dict[str, None] = {}
    for part in value.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def parse_bool(value: str) -> bool | None:
    """Spreadsheet booleans in English or French; None when unreadable."""
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


@lru_cache(maxsize=256)
def valid_program_year(value: str) -> bool:
    match = PROGRAM_YEAR.match(value)
    return match is not None and int(match.group(2)) == int(match.group(1)) + 1


# Plain ASCII addresses are checked here; anything unusual (quotes, Unicode, IDNA, special-use
# domains, long parts) goes to email-validator, the library pydantic's EmailStr uses, so every
# address accepted here is one the API and the event contracts accept too (a unit test holds us to it).
_SIMPLE_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_SPECIAL_USE = tuple(f".{d}" for d in email_validator.SPECIAL_USE_DOMAIN_NAMES)
# What pydantic's EmailStr does around email-validator: at most 2,048 characters, no line breaks, and
# a "pretty" address (``Zoe Tremblay <zoe@example.org>``) reduced to the address itself.
_MAX_EMAIL_LENGTH = 2048
_PRETTY_EMAIL = re.compile(
    r"\s*(?:((?:[\w.!#$%&'*+\-/=?^_`{|}~]+\s+)*[\w.!#$%&'*+\-/=?^_`{|}~]+)|"
    r'"((?:[^"]|\")+)")?\s*<(.+)>\s*'
)


def _email_validator_normalised(value: str) -> str | None:
    if len(value) > _MAX_EMAIL_LENGTH or "\r" in value or "\n" in value:
        return None
    pretty = _PRETTY_EMAIL.fullmatch(value)
    if pretty:
        value = pretty.group(3)
    try:
        return email_validator.validate_email(value.strip(), check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return None


def normalise_email(value: str) -> str | None:
    """The address as the API's EmailStr stores it (domain lower-cased), or None if it is not valid."""
    match = _SIMPLE_EMAIL.match(value)
    if match and len(value) <= 254 and value.index("@") <= 64:
        domain = match.group(1).lower()
        if "--" not in domain and not ("." + domain).endswith(_SPECIAL_USE):
            return f"{value[: match.start(1)]}{domain}"
    return _email_validator_normalised(value)


_SEPARATORS = re.compile(r"[\s\-]+")


@lru_cache(maxsize=4096)
def _code(value: str) -> str:
    return _SEPARATORS.sub("_", value.strip()).lower()


def validate_row(
    raw: Mapping[str, str], ctx: ImportContext
) -> tuple[Action, dict[str, Any], list[tuple[str, str]]]:
    """Check one row's text values (keys are Mentorweb column names) and build the participant fields.

    Returns the action, the participant fields (board, program year and HR id always included when
    readable) and a list of (column, message) problems; a row with problems is not imported.
    """
    errors: list[tuple[str, str]] = []
    text = {name: (value or "").strip() for name, value in raw.items()}
    get = text.get

    board = get("board", "")
    if board and board.lower() != ctx.board.lower():
        errors.append(("board", f"this import is for board {ctx.board}; rows for other boards are refused"))
    year = get("program_year") or (ctx.program_year or "")
    if not year:
        errors.append(("program_year", "required (in the row or as the import's program_year)"))
    elif not valid_program_year(year):
        errors.append(("program_year", "must look like 2026-2027"))
    hr_id = get("hr_id", "")
    if not hr_id:
        errors.append(("hr_id", "required"))
    data: dict[str, Any] = {"board": ctx.board, "program_year": year, "hr_id": hr_id}

    status = get("status", "").lower()
    if status in _WITHDRAWN:
        return "withdraw", data, errors
    if status not in ("", "active", "registered", "inscrit"):
        errors.append(("status", "must be empty, active or withdrawn"))

    role = _code(get("role", ""))
    if not role:
        errors.append(("role", "required"))
    elif role not in ROLES:
        errors.append(("role", f"must be one of {', '.join(ROLES)}"))
    data["role"] = role
    for name in ("given_name", "family_name"):
        value = get(name, "")
        if not value:
            errors.append((name, "required"))
        data[name] = value
    email = get("email", "")
    if not email:
        errors.append(("email", "required"))
    else:
        normalised = normalise_email(email)
        if normalised is None:
            errors.append(("email", "not a valid email address"))
        data["email"] = normalised or email
    language = get("language", "").lower()[:2] or ctx.default_language
    if language not in ("en", "fr"):
        errors.append(("language", "must be en or fr"))
    data["language"] = language
    data["school"] = get("school") or None
    band = get("grade_band", "").lower()
    if band and band not in GRADE_BANDS:
        errors.append(("grade_band", f"must be one of {', '.join(GRADE_BANDS)}"))
    data["grade_band"] = band or None
    for name in LIST_FIELDS:
        values = split_list(get(name, ""))
        if len(values) > LIST_LIMITS[name]:
            errors.append((name, f"at most {LIST_LIMITS[name]} values"))
        data[name] = values
    # Theme codes are matched case-insensitively; 'Early years literacy' also finds its code.
    for name in ("themes", "expertise_themes"):
        if data[name]:
            data[name] = [c if (c := _code(t)) in ctx.known_themes else t for t in data[name]]
    data["learning_goals"] = get("learning_goals") or None
    for name in ("trained", "leads_school_leaders"):
        flag = parse_bool(get(name, ""))
        if flag is None:
            errors.append((name, "must be true or false"))
        data[name] = bool(flag)
    for name in ("hub_capacity", "one_to_one_capacity"):
        value = get(name) or "0"
        try:
            number = int(value)
        except ValueError:
            errors.append((name, "must be a whole number"))
            number = 0
        if not 0 <= number <= 10:
            errors.append((name, "must be between 0 and 10"))
        data[name] = number
    for name, limit in TEXT_LIMITS.items():
        if len(data.get(name) or "") > limit:
            errors.append((name, f"at most {limit} characters"))
    problems = validate_participant(data, ctx.known_themes)
    if problems:
        known = {column for column, _ in errors}
        errors.extend((p.field, p.message) for p in problems if p.field not in known)
    return "upsert", data, errors


def inspect_header(header: Sequence[str]) -> list[str]:
    """Map a Mentorweb CSV header to column names; a missing required or unknown column is fatal."""
    columns = [normalise_header(h) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in COLUMNS]
    if unknown:
        raise FileProblem(
            f"unknown column(s): {', '.join(repr(u) for u in unknown)}; the columns are {', '.join(COLUMNS)}"
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise FileProblem(f"column(s) given twice: {', '.join(duplicated)}")
    # A file with a status column may list only leavers (hr_id, status): rows that register
    # someone then report their missing values one by one.
    required = ("hr_id",) if "status" in columns else REQUIRED_COLUMNS
    missing = [c for c in required if c not in columns]
    if missing:
        raise FileProblem(f"missing required column(s): {', '.join(missing)}")
    return columns


class DuplicateTracker:
    """The first row claims an HR id (per program year); later rows with it are refused."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def check(self, row: int, data: Mapping[str, Any]) -> str | None:
        hr_id = data.get("hr_id")
        if not hr_id:
            return None
        key = (str(data.get("program_year")), str(hr_id))
        first = self._seen.setdefault(key, row)
        return None if first == row else f"duplicate hr_id: the same person is already in row {first}"


def parse_mentorweb_csv(content: bytes, ctx: ImportContext) -> ParsedImport:
    """Read Mentorweb's documented CSV: one row per participant, list values separated by ';'."""
    table = read_table(content)
    columns = inspect_header(table.header)
    # Records the CSV reader could not read at all keep their place in the report.
    records: list[tuple[int, list[str] | RowError]] = [
        *table.records,
        *((e.row or 0, e) for e in table.errors),
    ]
    records.sort(key=lambda record: record[0])
    return ParsedImport(
        total=len(records), items=_mentorweb_items(records, columns, ctx), encoding=table.encoding
    )


def _mentorweb_items(
    records: list[tuple[int, list[str] | RowError]], columns: list[str], ctx: ImportContext
) -> Iterator[ImportItem]:
    duplicates = DuplicateTracker()
    width = len(columns)
    for row, fields in records:
        if isinstance(fields, RowError):
            yield ImportItem(row, "error", errors=[fields])
            continue
        if len(fields) != width:
            if len(fields) < width:
                column = columns[len(fields)]
                message = f"expected {width} columns, found {len(fields)} (from {column} on missing)"
            else:
                column = f"column {width + 1}"
                message = f"expected {width} columns, found {len(fields)}"
            yield ImportItem(row, "error", errors=[RowError(row, column, message)])
            continue
        action, data, problems = validate_row(dict(zip(columns, fields, strict=True)), ctx)
        duplicate = duplicates.check(row, data)
        if duplicate:
            problems.append(("hr_id", duplicate))
        if problems:
            yield ImportItem(row, "error", data, [RowError(row, column, msg) for column, msg in problems])
        else:
            yield ImportItem(row, action, data)


def check_mentorweb_csv(content: bytes) -> None:
    """Fail fast at upload (before queueing) when the file cannot be an import at all."""
    inspect_header(read_header(content))


def lacks_program_year(content: bytes) -> bool:
    """True when no row of a (readable) Mentorweb CSV can have a program year of its own: no
    ``program_year`` column, or the column is empty in every row. Such a file needs the import's."""
    columns = inspect_header(read_header(content))
    if "program_year" not in columns:
        return True
    table = read_table(content)
    at = columns.index("program_year")
    return not any(len(fields) > at and fields[at].strip() for _, fields in table.records)
