"""The start-up grant application form: what a coordinator typed, read in the page's language (amounts
as 1,250.50 or 1 250,50), turned into the body grants expects, and grants' refusals turned back into the
form's fields. Pure: grants decides what is valid; this only translates between the form and its API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

STREAMS = ("beginning_teacher", "school_leadership")
CATEGORIES = ("release_time", "meeting_costs", "travel", "materials", "facilitator", "other")
COMMITTEE_ROLES = ("local", "district", "provincial_association")
EMPTY_LINES = 2  # blank rows offered after the filled ones ("add a line" offers one more)
EMPTY_MEMBERS = 1
MAX_ROWS = 200  # grants' limit on expense lines
_PLAIN = re.compile(r"\d+(\.\d{1,2})?")
_LINE_FIELDS = {
    "category": "category",
    "description": "description",
    "amount": "amount",
    "incurred_on": "date",
}


@dataclass
class GrantForm:
    """The form as shown: plain values by field id, the line and member rows, the errors by field id."""

    values: dict[str, str]
    lines: list[dict[str, str]]
    members: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadForm:
    """A posted form: what to show again, the body for grants, and which form row each sent row was."""

    form: GrantForm
    body: dict[str, Any]
    line_rows: list[int]
    member_rows: list[int]


def amount_text(value: str | Decimal | None, locale: str) -> str:
    """An amount as a person of ``locale`` writes it in a form (1,250.50 or 1 250,50), without a sign."""
    if value is None or value == "":
        return ""
    return str(format_decimal(Decimal(str(value)), format="#,##0.00", locale=locale))


def parse_amount(text: str, locale: str) -> str | None:
    """A typed amount as grants' plain decimal text (``"1250.50"``), or None when it is not a number
    in ``locale`` (grants then says what is wrong with what was typed)."""
    cleaned = re.sub(r"[\s\u00a0\u202f$]", "", text or "")
    if not cleaned:
        return None
    if _PLAIN.fullmatch(cleaned):
        return cleaned
    try:
        # French groups digits with a no-break space; the person may have typed any space, or none.
        number = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        return None
    return str(number)


def blank_form(board_code: str, stream: str = "beginning_teacher") -> GrantForm:
    return GrantForm(
        values={
            "stream": stream,
            "expected_mentees": "",
            "expected_mentors": "",
            "association_local": "",
            "contact_name": "",
            "contact_email": "",
        },
        lines=[_blank_line() for _ in range(EMPTY_LINES + 1)],
        members=[_blank_member() for _ in range(EMPTY_MEMBERS + 1)],
    )


def _blank_line() -> dict[str, str]:
    return {"category": "release_time", "description": "", "amount": "", "date": ""}


def _blank_member() -> dict[str, str]:
    return {"name": "", "role": "local"}


def form_of(application: dict[str, Any], locale: str) -> GrantForm:
    """The form filled from a draft grants holds, amounts in the page's language."""
    contact = application.get("contact") or {}
    program = application["program"]
    organisation = application.get("organisation") or {}
    lines = [
        {
            "category": line["category"],
            "description": line["description"],
            "amount": amount_text(line["amount"], locale),
            "date": str(line["incurred_on"]),
        }
        for line in application.get("expense_lines") or []
    ]
    members = [{"name": m["name"], "role": m["role"]} for m in application.get("committee") or []]
    return GrantForm(
        values={
            "stream": program["stream"],
            "expected_mentees": str(program["expected_mentees"]),
            "expected_mentors": str(program["expected_mentors"]),
            "association_local": organisation.get("association_local") or "",
            "contact_name": contact.get("name", ""),
            "contact_email": contact.get("email", ""),
        },
        lines=lines + [_blank_line() for _ in range(EMPTY_LINES)],
        members=members + [_blank_member() for _ in range(EMPTY_MEMBERS)],
    )


def _rows(fields: dict[str, str], prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"{prefix}-(\d+)-({'|'.join(names)})")
    for key, value in fields.items():
        match = pattern.fullmatch(key)
        if match and int(match.group(1)) < MAX_ROWS:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    return [
        {name: found.get(i, {}).get(name, "") for name in names} for i in range(max(found, default=-1) + 1)
    ]


def read_form(fields: dict[str, str], board_code: str, locale: str, *, stream: str | None = None) -> ReadForm:
    """The posted form, and the body for grants. Rows left blank are not sent; an amount that is not a
    number in ``locale`` is sent as typed, so that grants names it with every other mistake at once."""
    values = {
        name: fields.get(name, "").strip()
        for name in (
            "stream",
            "expected_mentees",
            "expected_mentors",
            "association_local",
            "contact_name",
            "contact_email",
        )
    }
    if stream is not None:  # a draft keeps the stream it was opened for
        values["stream"] = stream
    lines = _rows(fields, "line", ("category", "description", "amount", "date")) or [_blank_line()]
    members = _rows(fields, "member", ("name", "role")) or [_blank_member()]
    sent_lines, line_rows = [], []
    for row, line in enumerate(lines):
        if not (line["description"] or line["amount"] or line["date"]):
            continue
        line_rows.append(row)
        sent_lines.append(
            {
                "category": line["category"],
                "description": line["description"],
                "amount": parse_amount(line["amount"], locale) or line["amount"],
                "incurred_on": line["date"],
            }
        )
    sent_members, member_rows = [], []
    for row, member in enumerate(members):
        if not member["name"]:
            continue
        member_rows.append(row)
        sent_members.append({"name": member["name"], "role": member["role"]})
    contact = (
        {"name": values["contact_name"], "email": values["contact_email"]}
        if values["contact_name"] or values["contact_email"]
        else None
    )
    body: dict[str, Any] = {
        "organisation": {"board_code": board_code, "association_local": values["association_local"] or None},
        "contact": contact,
        "committee": sent_members,
        "program": {
            "stream": values["stream"],
            "expected_mentees": values["expected_mentees"],
            "expected_mentors": values["expected_mentors"],
        },
        "expense_lines": sent_lines,
    }
    form = GrantForm(values=values, lines=lines, members=members)
    return ReadForm(form=form, body=body, line_rows=line_rows, member_rows=member_rows)


def with_another_line(form: GrantForm) -> GrantForm:
    if len(form.lines) < MAX_ROWS:
        form.lines.append(_blank_line())
    return form


def message_code(message: str) -> str:
    """A short code for what grants (or pydantic in grants) said, for the template to word in the
    page's language; what it does not know is shown as grants said it."""
    text = message.lower()
    known = (
        ("required before submission", "missing"),
        ("not a valid email", "email"),
        ("plain decimal amount", "amount"),
        ("more than zero", "amount_zero"),
        ("must not be negative", "amount_negative"),
        ("two decimal places", "cents"),
        ("requested total must not exceed", "total_too_big"),
        ("must not exceed", "amount_too_big"),
        ("valid date", "date"),
        ("valid integer", "count"),
        ("greater than or equal", "count"),
        ("less than or equal", "count"),
        ("at most", "too_long"),
        ("there is no grant program", "no_program"),
        ("only be edited as a draft", "not_editable"),
        ("already has an application", "exists"),
        ("field required", "required"),
        ("required", "required"),
        ("input should be", "choice"),
    )
    return next((code for phrase, code in known if phrase in text), message)


def field_errors(problem: dict[str, Any], read: ReadForm) -> dict[str, str]:
    """grants' problem+json errors by the form field they name (``expense_lines.1.amount`` is the
    amount of the form row that was sent second), each as a message code."""
    out: dict[str, str] = {}
    for error in problem.get("errors") or []:
        target = _target(str(error.get("field") or ""), read)
        out.setdefault(target, message_code(str(error.get("message") or "")))
    if not out:
        out["form"] = message_code(str(problem.get("detail") or problem.get("title") or ""))
    return out


def _target(name: str, read: ReadForm) -> str:
    parts = name.split(".")
    head = parts[0]
    if head == "contact":
        return "contact_email" if parts[-1] == "email" else "contact_name"
    if head == "organisation":
        return "association_local"
    if head == "program":
        return (
            parts[1] if len(parts) > 1 and parts[1] in ("expected_mentees", "expected_mentors") else "stream"
        )
    if head == "committee":
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(read.member_rows):
            row = read.member_rows[int(parts[1])]
            return f"member-{row}-role" if parts[-1] == "role" else f"member-{row}-name"
        return "member-0-name"
    if head == "expense_lines":
        if len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(read.line_rows):
            return f"line-{read.line_rows[int(parts[1])]}-{_LINE_FIELDS.get(parts[2], 'description')}"
        return "line-0-description"
    return "form"


def add_local_errors(errors: dict[str, str], read: ReadForm, locale: str) -> dict[str, str]:
    """Amounts that are not numbers in the page's language, named even when grants stopped at another
    kind of mistake first (its schema is checked before its rules)."""
    out = dict(errors)
    for row in read.line_rows:
        line = read.form.lines[row]
        if not line["description"]:
            out.setdefault(f"line-{row}-description", "required")
        if not line["amount"]:
            out.setdefault(f"line-{row}-amount", "required")
        elif parse_amount(line["amount"], locale) is None:
            out.setdefault(f"line-{row}-amount", "amount")
    return ordered(out, read.form)


def ordered(errors: dict[str, str], form: GrantForm) -> dict[str, str]:
    """The errors in the order their fields appear on the page (the error summary follows the form)."""
    order = ["form", "stream", "expected_mentees", "expected_mentors", "association_local"]
    order += ["contact_name", "contact_email"]
    order += [f"member-{i}-{part}" for i in range(len(form.members)) for part in ("name", "role")]
    order += [
        f"line-{i}-{part}"
        for i in range(len(form.lines))
        for part in ("category", "description", "amount", "date")
    ]
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(order))))
