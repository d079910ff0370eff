"""Linking the school a file names to one of the board's schools (``/v1/schools``).

HR files write a school as its code (``ELM-S04``), its name (``École Saint-Jean``) or the name typed
slightly differently (``ecole  saint-jean``). A participant's school is kept as the board's own name
for it, so every list that shows or filters by school joins with the board's schools; a school the
board does not list is kept as written and reported, so the coordinator can add it or fix the file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from services.registration.domain.imports import ImportItem, SchoolRecord
from services.registration.domain.tabular import RowError

UNKNOWN_SCHOOL = "unknown_school"  # a row error's outcome: imported, its school not the board's


def school_key(value: str) -> str:
    """What two spellings of one school share: no accents, case or repeated spaces."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class SchoolDirectory:
    """The board's schools, found by code (exactly, ignoring case) or by name (ignoring accents,
    case and spacing). A code wins over a name; a name two schools share links to neither."""

    by_code: dict[str, SchoolRecord]
    by_name: dict[str, SchoolRecord | None]

    @classmethod
    def of(cls, schools: Iterable[SchoolRecord]) -> SchoolDirectory:
        by_code: dict[str, SchoolRecord] = {}
        by_name: dict[str, SchoolRecord | None] = {}
        for school in schools:
            by_code[school.code.strip().casefold()] = school
            key = school_key(school.name)
            by_name[key] = None if key in by_name and by_name[key] != school else school
        return cls(by_code, by_name)

    def __bool__(self) -> bool:
        return bool(self.by_code)

    def link(self, written: str) -> SchoolRecord | None:
        """The board's school a file's ``written`` school names, or None when it names none."""
        return self.by_code.get(written.strip().casefold()) or self.by_name.get(school_key(written))


def unknown_school_message(written: str) -> str:
    return (
        f"school '{written}' is not one of the board's schools (by code or name): imported as written; "
        "add it to the board's schools or correct the file"
    )


def link_schools(items: Iterable[ImportItem], directory: SchoolDirectory) -> list[RowError]:
    """Give each row to import the board's name for the school it names; report the rows whose
    school the board does not list (they are imported as written). A board that lists no schools
    has nothing to link to: its rows are left as they are and nothing is reported."""
    if not directory:
        return []
    unknown: list[RowError] = []
    for item in items:
        written = item.data.get("school") if item.action == "upsert" else None
        if not written:
            continue
        school = directory.link(written)
        if school is None:
            unknown.append(
                RowError(item.row, "school", unknown_school_message(written), outcome=UNKNOWN_SCHOOL)
            )
        else:
            item.data["school"] = school.name
    return unknown
