"""Matching states its refusals, warnings and hub flags in English sentences; the console words them
in the reader's language. Each known sentence is recognised here and turned into a code with its values;
the wording of each code is in the gettext catalogues. An unrecognised sentence is kept verbatim
(marked as English on the page) rather than dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict[str, str] = field(default_factory=dict)
    original: str = ""


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        ("already_in_hub", r"^the teacher is already in that hub$"),
        ("already_member", r"^the member is already in this hub$"),
        (
            "leader_evaluates",
            r"^hub leader (?P<leader>\S+) of the target hub evaluates this teacher; mentorship is non-evaluative$",
        ),
        (
            "language_mismatch",
            r"^the target hub meets in (?P<hub>\w+), the teacher (?:works )?in (?P<teacher>\w+)$",
        ),
        ("track_mismatch", r"^the target hub is for (?P<track>.+)$"),
        ("target_too_big", r"^the target hub would have (?P<count>\d+) members \(maximum (?P<limit>\d+)\)$"),
        (
            "source_too_small",
            r"^the source hub would have (?P<count>\d+) members \(minimum (?P<limit>\d+)\)$",
        ),
        ("send_force", r"^send force=true to override$"),
        ("needs_leaders", r"^needs (?P<count>\d+) more hub leaders?: choose one \(leader swap\)$"),
        ("below_minimum", r"^below the minimum size: (?P<count>\d+) members \(minimum (?P<limit>\d+)\)$"),
        ("above_maximum", r"^above the maximum size: (?P<count>\d+) members \(maximum (?P<limit>\d+)\)$"),
        ("leader_needs_training", r"^leader (?P<leader>\S+) needs foundational training$"),
        ("not_a_member", r"^not a member of this hub$"),
        ("member_withdrawn", r"^this member has withdrawn$"),
        ("other_year", r"^the target hub belongs to another program year$"),
        (
            "leaders_all_evaluate",
            r"^no (?P<needed>\d+) eligible hub leaders.*? \((?P<language>\w+), [^)]+\): "
            r"(?P<count>\d+) .*?mentors with capacity left, none free of evaluating a member$",
        ),
        (
            "not_enough_leaders",
            r"^no (?P<needed>\d+) eligible hub leaders.*? \((?P<language>\w+), [^)]+\): "
            r"only (?P<count>\d+) .*?mentors with capacity left$",
        ),
    )
)


def parse(sentence: str) -> Reason:
    """One of matching's sentences as a code and its values (code ``other`` when not recognised)."""
    text = sentence.strip().rstrip(".")
    for code, pattern in _PATTERNS:
        found = pattern.match(text)
        if found:
            return Reason(code, {k: v for k, v in found.groupdict().items() if v is not None}, sentence)
    return Reason("other", {}, sentence)


def parse_all(detail: str | None) -> list[Reason]:
    """A problem's detail may join several sentences with '; '."""
    if not detail:
        return []
    parts = [part for part in detail.split("; ") if part.strip()]
    found: list[Reason] = []
    i = 0
    while i < len(parts):
        # A sentence may itself hold "; " (the leader who evaluates): keep the two halves together.
        if i + 1 < len(parts) and parse(parts[i]).code == "other":
            joined = parse(f"{parts[i]}; {parts[i + 1]}")
            if joined.code != "other":
                found.append(joined)
                i += 2
                continue
        found.append(parse(parts[i]))
        i += 1
    return found


# Matching names the refusals of a draft adjustment by code and values; the console's own codes
# (worded in the catalogues) for each, with the values it words them with.
_DRAFT_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "already_in_hub": ("already_in_hub", {}),
    "hub_locked": ("hub_locked", {}),
    "leader_evaluates_teacher": ("leader_evaluates", {}),
    "language_mismatch": ("language_mismatch", {"hub": "hub_language", "teacher": "participant_language"}),
    "track_mismatch": ("track_mismatch", {"track": "hub_track"}),
    "above_max_size": ("target_too_big", {"count": "members", "limit": "maximum"}),
    "below_min_size": ("source_too_small", {"count": "members", "limit": "minimum"}),
}


def from_errors(errors: list[dict[str, object]]) -> list[Reason]:
    """A problem's ``errors`` as reasons: by code where matching gives one, else by its sentence."""
    found: list[Reason] = []
    for error in errors:
        message = str(error.get("message") or "")
        known = _DRAFT_CODES.get(str(error.get("code") or ""))
        raw = error.get("values")
        values: dict[str, object] = raw if isinstance(raw, dict) else {}
        if known is None:
            found.append(parse(message))
            continue
        code, names = known
        found.append(
            Reason(code, {mine: str(values.get(theirs, "")) for mine, theirs in names.items()}, message)
        )
    return found
