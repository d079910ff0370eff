"""Reading the tabular files boards' HR systems send: bytes → text → header + records.

HR exports come from many tools: UTF-8 with or without a byte-order mark, Excel's Windows-1252
or Latin-1 (French names with accents), sometimes UTF-16, sometimes ';' as the separator (Excel
in a French locale). Pure functions: no I/O, the caller passes the bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Spreadsheet cells can be long (learning goals), but not this long.
csv.field_size_limit(1_000_000)


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, undecodable, wrong header); nothing is imported."""


@dataclass(frozen=True)
class RowError:
    """One problem with one row of a file; ``row`` counts records from 1 (the header is row 1)."""

    row: int | None
    column: str | None
    message: str
    file: str | None = None
    # "refused" (the row was not imported because of this), "skipped" (not a program participant, or
    # nothing to do) or "withdrawn" (a leaver the file withdrew): every row not simply imported is listed.
    outcome: str = "refused"


# What HR tools write: UTF-8 (with or without BOM), UTF-16 (BOM), Excel's Windows-1252, Latin-1.
# Telling charset-normalizer so keeps it from reading French Excel files as, say, cp775.
HR_ENCODINGS = ["utf_8", "utf_16", "cp1252", "latin_1"]
_NAMES = {"utf_8": "utf-8", "utf_16": "utf-16", "cp1252": "cp1252", "latin_1": "latin-1"}


def decode_text(data: bytes, *, file: str | None = None) -> tuple[str, str]:
    """Decode an uploaded file, its encoding detected by charset-normalizer among :data:`HR_ENCODINGS`.

    Returns the text and the encoding used. An empty (or blank) file is a :class:`FileProblem`.
    """
    best = from_bytes(data, cp_isolation=HR_ENCODINGS).best() if data else None
    if best is not None:
        text = str(best)
        encoding = (
            "utf-8-sig" if best.encoding == "utf_8" and best.bom else _NAMES.get(best.encoding, best.encoding)
        )
    else:
        # Too little text for a verdict (or bytes no HR encoding explains): Excel's Windows-1252,
        # and Latin-1, where every byte is a character, for what Windows-1252 leaves undefined.
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    if not text.strip().strip("\ufeff"):
        raise FileProblem(f"{file + ': ' if file else ''}the file is empty")
    return text, encoding


def normalise_header(name: str) -> str:
    """'Given Name ' → 'given_name'; headers are matched case- and spacing-insensitively."""
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff")).lower()


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    if ";" in first_line:
        return ";"
    if "\t" in first_line:
        return "\t"
    return ","


@dataclass
class Table:
    """A decoded CSV: its raw header, and its records with their row numbers."""

    header: list[str]
    records: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str
    errors: list[RowError]


def read_header(data: bytes, *, file: str | None = None) -> list[str]:
    """Just the header of a CSV file (a quick check at upload); an empty file is a FileProblem."""
    text, _ = decode_text(data, file=file)
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                return fields
    except csv.Error as exc:
        raise FileProblem(f"{file + ': ' if file else ''}unreadable header: {exc}") from exc
    raise FileProblem(f"{file + ': ' if file else ''}the file is empty")


def read_table(data: bytes, *, file: str | None = None, require_rows: bool = True) -> Table:
    """Decode and split a CSV file. Blank lines are skipped; unreadable records become row errors."""
    text, encoding = decode_text(data, file=file)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    errors: list[RowError] = []
    row = 0
    iterator: Iterator[list[str]] = iter(reader)
    while True:
        try:
            fields = next(iterator)
        except StopIteration:
            break
        except csv.Error as exc:
            row += 1
            errors.append(RowError(row, None, f"unreadable CSV record: {exc}", file))
            continue
        row += 1
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = fields
            continue
        records.append((row, fields))
    where = f"{file}: " if file else ""
    if header is None:
        raise FileProblem(f"{where}the file is empty")
    if require_rows and not records:
        raise FileProblem(f"{where}the file has a header but no rows")
    return Table(header=header, records=records, delimiter=delimiter, encoding=encoding, errors=errors)
