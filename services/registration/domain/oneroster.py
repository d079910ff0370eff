"""OneRoster CSV bundles (1.2, and the 1.1 layout boards still export): people and schools.

A bundle is a zip of CSV files. We read ``orgs.csv`` (orgs of type ``school`` become schools),
``users.csv`` and, when present, ``roles.csv`` (1.2 moved a user's roles and orgs there:
``userSourcedId, roleType, role, orgSourcedId``). In the 1.1 layout the role is the ``role`` (or
``roles``) column of users.csv and the orgs are ``orgSourcedIds``. Teachers become beginning
teachers and administrators / principals new school leaders, unless Mentorweb's side file
``mentorweb.csv`` (keyed by the user's ``sourcedId``) says otherwise and adds program fields
(themes, goals, grade band ...). Users with ``status`` ``tobedeleted`` are withdrawn.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from services.registration.domain.imports import (
    COLUMNS,
    DuplicateTracker,
    ImportContext,
    ImportItem,
    ParsedImport,
    SchoolRecord,
    validate_row,
)
from services.registration.domain.tabular import (
    FileProblem,
    RowError,
    Table,
    normalise_header,
    read_table,
)

# OneRoster role → program role when the side file does not say.
DEFAULT_ROLES: dict[str, str] = {
    "teacher": "beginning_teacher",
    "administrator": "new_school_leader",  # 1.1
    "principal": "new_school_leader",  # 1.2
    "siteadministrator": "new_school_leader",  # 1.2
}
# Every role OneRoster 1.1 and 1.2 define (lower-cased); anything else is refused as unknown.
ONEROSTER_ROLES = frozenset(
    {"administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"}  # 1.1
    | {"counselor", "districtadministrator", "principal", "siteadministrator", "systemadministrator"}  # 1.2
)
ORG_TYPES = frozenset({"department", "school", "district", "local", "state", "national"})
# Ontario-style divisions: OneRoster grade codes (CEDS) → grade band.
GRADE_BANDS_BY_GRADE: dict[str, str] = {
    "PK": "kindergarten",
    "TK": "kindergarten",
    "KG": "kindergarten",
    "01": "primary",
    "02": "primary",
    "03": "primary",
    "04": "junior",
    "05": "junior",
    "06": "junior",
    "07": "intermediate",
    "08": "intermediate",
    "09": "senior",
    "10": "senior",
    "11": "senior",
    "12": "senior",
}
SIDE_FILE = "mentorweb.csv"
# Side-file columns: the user's sourcedId plus Mentorweb's program fields.
SIDE_COLUMNS = {"sourcedid"} | (
    set(COLUMNS) - {"board", "hr_id", "given_name", "family_name", "email", "school", "status"}
)
MAX_UNCOMPRESSED = 200 * 1024 * 1024
# Where a problem with a participant field is reported, in OneRoster's words.
USER_COLUMNS = {
    "hr_id": "identifier",
    "given_name": "givenName",
    "family_name": "familyName",
    "email": "email",
    "school": "orgSourcedIds",
    "grade_band": "grades",
    "role": "role",
    "board": "orgSourcedIds",
}


@dataclass(frozen=True)
class Bundle:
    files: dict[str, bytes]
    version: str | None


def open_bundle(content: bytes) -> Bundle:
    """Read the CSV files of a OneRoster zip (names matched case-insensitively, folders ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise FileProblem("not a zip file: a OneRoster bundle is a zip of CSV files") from exc
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in archive.infolist():
            name = posixpath.basename(info.filename).lower()
            if info.is_dir() or not name.endswith(".csv") or name.startswith("._"):
                continue
            total += info.file_size
            if total > MAX_UNCOMPRESSED:
                raise FileProblem("the bundle expands to more than 200 MB")
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise FileProblem(f"{name}: cannot be extracted ({exc.__class__.__name__})") from exc
    for required in ("orgs.csv", "users.csv"):
        if required not in files:
            raise FileProblem(f"the bundle has no {required}")
    version = None
    if "manifest.csv" in files:
        manifest = read_table(files["manifest.csv"], file="manifest.csv", require_rows=False)
        for _, fields in manifest.records:
            if len(fields) >= 2 and fields[0].strip().lower() == "oneroster.version":
                version = fields[1].strip()
    return Bundle(files=files, version=version)


def _columns(table: Table, file: str, required: tuple[str, ...]) -> dict[str, int]:
    index = {normalise_header(h): i for i, h in enumerate(table.header)}
    missing = [r for r in required if r.lower() not in index]
    if missing:
        raise FileProblem(f"{file}: missing column(s) {', '.join(missing)}")
    return index


def _records(
    table: Table, file: str, index: dict[str, int]
) -> Iterator[tuple[int, RowError | dict[str, str]]]:
    """Yield (row, {column: value}) for well-formed records and RowErrors for the others."""
    width = len(table.header)
    for row, fields in table.records:
        if len(fields) != width:
            yield row, RowError(row, None, f"expected {width} columns, found {len(fields)}", file)
            continue
        yield row, {name: fields[i].strip() for name, i in index.items()}


_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "users.csv": ("sourcedId", "givenName", "familyName", "email"),
    "roles.csv": ("userSourcedId", "role"),
    SIDE_FILE: ("sourcedId",),
}


def oneroster_problems(content: bytes) -> list[str]:
    """Every problem that makes the bundle unusable as a whole, each file's at once: not a zip, a
    file missing, unreadable or without rows (users.csv), a required column missing, an unknown
    column in the side file. Row problems are not among them: they are reported row by row."""
    try:
        bundle = open_bundle(content)
    except FileProblem as exc:
        return [str(exc)]
    problems: list[str] = []
    for file, required in _REQUIRED_COLUMNS.items():
        if file not in bundle.files:
            continue
        try:
            table = read_table(bundle.files[file], file=file, require_rows=False)
        except FileProblem as exc:
            problems.append(str(exc))
            continue
        header = {normalise_header(h) for h in table.header}
        missing = [r for r in required if r.lower() not in header]
        if missing:
            problems.append(f"{file}: missing column(s) {', '.join(missing)}")
        if file == "users.csv" and not table.records and not table.errors:
            problems.append("users.csv: the file has a header but no rows")
        if file == SIDE_FILE:
            unknown = sorted(header - SIDE_COLUMNS)
            if unknown:
                problems.append(f"{SIDE_FILE}: unknown column(s) {', '.join(unknown)}")
    return problems


def check_oneroster(content: bytes) -> None:
    """Fail fast at upload when the bundle cannot be imported at all (every problem named)."""
    problems = oneroster_problems(content)
    if problems:
        raise FileProblem("; ".join(problems))


def grade_band_of(grades: str) -> str:
    """The band most of a teacher's grades fall in ('04,05,06' → junior); '' when none is known."""
    bands = Counter(
        GRADE_BANDS_BY_GRADE[g.strip().upper()]
        for g in grades.replace(";", ",").split(",")
        if g.strip().upper() in GRADE_BANDS_BY_GRADE
    )
    return bands.most_common(1)[0][0] if bands else ""


def parse_oneroster(content: bytes, ctx: ImportContext) -> ParsedImport:
    """Parse a bundle: schools from orgs.csv, one item per users.csv row (skip, upsert, withdraw, error)."""
    bundle = open_bundle(content)
    preamble: list[RowError] = []

    orgs = read_table(bundle.files["orgs.csv"], file="orgs.csv", require_rows=False)
    preamble.extend(orgs.errors)
    org_index = _columns(orgs, "orgs.csv", ("sourcedId", "name", "type"))
    org_names: dict[str, str] = {}
    school_ids: set[str] = set()
    schools: dict[str, SchoolRecord] = {}
    for row, record in _records(orgs, "orgs.csv", org_index):
        if isinstance(record, RowError):
            preamble.append(record)
            continue
        sourced_id, name = record["sourcedid"], record["name"]
        if not sourced_id or not name:
            column = "sourcedId" if not sourced_id else "name"
            preamble.append(RowError(row, column, "required", "orgs.csv"))
            continue
        if record["type"].lower() not in ORG_TYPES:
            reason = f"unknown org type {record['type']!r}: not a OneRoster org type"
            preamble.append(RowError(row, "type", reason, "orgs.csv"))
            continue
        org_names[sourced_id] = name
        if record["type"].lower() == "school":
            school_ids.add(sourced_id)
            if record.get("status", "").lower() != "tobedeleted":
                code = (record.get("identifier") or sourced_id)[:80]
                schools[code] = SchoolRecord(code=code, name=name[:200])
            else:
                preamble.append(
                    RowError(row, "status", "school marked tobedeleted: not added", "orgs.csv", "skipped")
                )

    side: dict[str, tuple[int, dict[str, str]]] = {}
    if SIDE_FILE in bundle.files:
        extra = read_table(bundle.files[SIDE_FILE], file=SIDE_FILE, require_rows=False)
        preamble.extend(extra.errors)
        side_index = _columns(extra, SIDE_FILE, ("sourcedId",))
        unknown = sorted(set(side_index) - SIDE_COLUMNS)
        if unknown:
            raise FileProblem(f"{SIDE_FILE}: unknown column(s) {', '.join(unknown)}")
        for row, record in _records(extra, SIDE_FILE, side_index):
            if isinstance(record, RowError):
                preamble.append(record)
                continue
            side[record.pop("sourcedid")] = (row, record)

    users = read_table(bundle.files["users.csv"], file="users.csv")
    user_index = _columns(users, "users.csv", ("sourcedId", "givenName", "familyName", "email"))
    known_users = {
        fields[user_index["sourcedid"]].strip()
        for _, fields in users.records
        if len(fields) > user_index["sourcedid"]
    }

    # 1.2: roles.csv, one row per (user, org, role); primary roles first. A row naming a user or an
    # org the bundle does not have is refused, a role being deleted skipped: each is listed.
    roles_of: dict[str, list[tuple[bool, str, str]]] = {}
    if "roles.csv" in bundle.files:
        roles = read_table(bundle.files["roles.csv"], file="roles.csv", require_rows=False)
        preamble.extend(roles.errors)
        role_index = _columns(roles, "roles.csv", ("userSourcedId", "role"))
        for role_row, record in _records(roles, "roles.csv", role_index):
            if isinstance(record, RowError):
                preamble.append(record)
                continue
            if record.get("status", "").lower() == "tobedeleted":
                preamble.append(
                    RowError(role_row, "status", "role marked tobedeleted: not used", "roles.csv", "skipped")
                )
                continue
            refused: list[RowError] = []
            user = record["usersourcedid"]
            if user not in known_users:
                refused.append(
                    RowError(role_row, "userSourcedId", f"user {user!r} is not in users.csv", "roles.csv")
                )
            org = record.get("orgsourcedid", "")
            if org and org not in org_names:
                refused.append(
                    RowError(role_row, "orgSourcedId", f"org {org!r} is not in orgs.csv", "roles.csv")
                )
            if record["role"].lower() not in ONEROSTER_ROLES:
                refused.append(
                    RowError(
                        role_row,
                        "role",
                        f"unknown role type {record['role']!r}: not a OneRoster role",
                        "roles.csv",
                    )
                )
            if record.get("roletype", "").lower() not in ("", "primary", "secondary"):
                refused.append(
                    RowError(
                        role_row,
                        "roleType",
                        f"roleType {record['roletype']!r}: must be primary or secondary",
                        "roles.csv",
                    )
                )
            if refused:
                preamble.extend(refused)
                continue
            roles_of.setdefault(record["usersourcedid"], []).append(
                (
                    record.get("roletype", "").lower() == "primary",
                    record["role"].lower(),
                    record.get("orgsourcedid", ""),
                )
            )

    for sourced_id, (side_row, _) in side.items():
        if sourced_id not in known_users:
            preamble.append(
                RowError(side_row, "sourcedId", "no user with this sourcedId in users.csv", SIDE_FILE)
            )
    records: list[tuple[int, list[str] | RowError]] = [
        *users.records,
        *((e.row or 0, e) for e in users.errors),
    ]
    records.sort(key=lambda record: record[0])
    people = _People(org_names, school_ids, roles_of, side)
    return ParsedImport(
        total=len(records),
        items=people.items(records, users.header, user_index, ctx),
        encoding=users.encoding,
        schools=list(schools.values()),
        preamble_errors=preamble,
    )


@dataclass
class _People:
    """What the other files of the bundle say about users: their orgs, roles and program fields."""

    org_names: dict[str, str]
    school_ids: set[str]
    roles_of: dict[str, list[tuple[bool, str, str]]]
    side: dict[str, tuple[int, dict[str, str]]]

    def items(
        self,
        records: list[tuple[int, list[str] | RowError]],
        header: list[str],
        user_index: dict[str, int],
        ctx: ImportContext,
    ) -> Iterator[ImportItem]:
        duplicates = DuplicateTracker()
        width = len(header)
        for row, fields in records:
            if isinstance(fields, RowError):
                yield ImportItem(row, "error", errors=[fields])
            elif len(fields) != width:
                message = f"expected {width} columns, found {len(fields)}"
                yield ImportItem(row, "error", errors=[RowError(row, None, message, "users.csv")])
            else:
                record = {name: fields[i].strip() for name, i in user_index.items()}
                yield self.person(row, record, ctx, duplicates)

    def person(
        self, row: int, record: dict[str, str], ctx: ImportContext, duplicates: DuplicateTracker
    ) -> ImportItem:
        org_names, school_ids, roles_of, side = self.org_names, self.school_ids, self.roles_of, self.side
        sourced_id = record["sourcedid"]
        side_row, side_fields = side.get(sourced_id, (None, {}))
        # The person's OneRoster role(s) and orgs: roles.csv first (1.2), else users.csv (1.1).
        entries = sorted(roles_of.get(sourced_id, []), key=lambda e: not e[0])
        if not entries:
            listed = (record.get("role") or record.get("roles") or "").replace(";", ",")
            orgs_listed = [o.strip() for o in record.get("orgsourcedids", "").split(",") if o.strip()]
            entries = [
                (True, r.strip().lower(), next(iter(orgs_listed), "")) for r in listed.split(",") if r.strip()
            ]
        else:
            orgs_listed = [e[2] for e in entries if e[2]]
        relevant = [e for e in entries if e[1] in DEFAULT_ROLES]
        # A leaver is withdrawn by HR id whatever their role (their roles are often gone already).
        leaving = record.get("status", "").lower() == "tobedeleted"
        if not relevant and not side_fields.get("role") and not leaving:
            # Students, guardians ...: not program participants; said so in the report.
            named = ", ".join(sorted({e[1] for e in entries if e[1]})) or "none"
            unknown = sorted({e[1] for e in entries if e[1] and e[1] not in ONEROSTER_ROLES})
            reason = (
                f"role {named} is not a program role (teacher, administrator, principal, "
                f"siteAdministrator) and {SIDE_FILE} gives none: not a participant"
            )
            if unknown:
                reason = f"unknown role type {', '.join(unknown)} (not a OneRoster role); " + reason
            return ImportItem(row, "skip", errors=[RowError(row, "role", reason, "users.csv", "skipped")])
        role = side_fields.get("role") or (DEFAULT_ROLES[relevant[0][1]] if relevant else "")
        org_candidates = [e[2] for e in relevant if e[2]] + [record.get("primaryorgsourcedid", "")]
        org_candidates += orgs_listed
        school_org = next((o for o in org_candidates if o in school_ids), None)
        unknown_org = next((o for o in org_candidates if o and o not in org_names), None)
        raw = {
            "hr_id": record.get("identifier") or record.get("usermasteridentifier") or sourced_id,
            "role": role,
            "given_name": record.get("preferredgivenname") or record["givenname"],
            "family_name": record.get("preferredfamilyname") or record["familyname"],
            "email": record["email"],
            "school": org_names.get(school_org, "") if school_org else "",
            "grade_band": grade_band_of(record.get("grades", "")),
            "status": "withdrawn" if leaving else "",
        }
        raw.update({k: v for k, v in side_fields.items() if v})
        action, data, problems = validate_row(raw, ctx)
        errors = [
            RowError(side_row, column, message, SIDE_FILE)
            if side_row is not None and side_fields.get(column)
            else RowError(row, USER_COLUMNS.get(column, column), message, "users.csv")
            for column, message in problems
        ]
        if unknown_org and action == "upsert":
            errors.append(
                RowError(row, "orgSourcedIds", f"org {unknown_org!r} is not in orgs.csv", "users.csv")
            )
        duplicate = duplicates.check(row, data)
        if duplicate:
            errors.append(RowError(row, USER_COLUMNS["hr_id"], duplicate, "users.csv"))
        return ImportItem(row, "error", data, errors) if errors else ImportItem(row, action, data)
