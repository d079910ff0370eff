"""Aggregates only, never a person: results of a survey for a group, suppressed when the group is
small, and when two overlapping filters would single someone out by their difference.

The rule: a group of respondents selected by filters F (e.g. hub = A and role = mentor) is shown only
if it has at least ``min_group`` respondents, and, for each filter f in F, every non-empty group that
f's dimension splits the respondents of F without f into is that large too. So "hub A" minus "hub A and
beginning teachers" never isolates a lone mentor, and the hubs beside a small one cannot be summed and
subtracted from the total to reveal it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.evaluation.domain.questions import Question

FLOOR = 3  # the smallest group size a board may configure; never below it
DEFAULT_MIN_GROUP = 5
DIMENSIONS = ("hub", "role")


def check_min_group(value: int) -> int:
    if value < FLOOR:
        raise ValueError(f"the smallest reportable group is {FLOOR} respondents, not {value}")
    return value


@dataclass(frozen=True)
class Answered:
    """One response as aggregation sees it: the answers and the group attributes, never a person."""

    answers: Mapping[str, Any]
    hub: uuid.UUID | None = None
    role: str | None = None
    board: str | None = None

    def value_of(self, dimension: str) -> str | None:
        value = self.hub if dimension == "hub" else self.role
        return None if value is None else str(value)


@dataclass(frozen=True)
class QuestionResult:
    key: str
    kind: str
    respondents: int | None  # None when suppressed
    mean: float | None = None
    counts: Mapping[str, int] | None = None
    nps: float | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class Results:
    respondents: int | None
    suppressed: bool
    reason: str | None
    questions: tuple[QuestionResult, ...]


def _select(responses: Iterable[Answered], filters: Mapping[str, str]) -> list[Answered]:
    return [r for r in responses if all(r.value_of(d) == v for d, v in filters.items())]


def suppression_reason(
    responses: Sequence[Answered], filters: Mapping[str, str], min_group: int, *, answered: str | None = None
) -> str | None:
    """Why the group selected by ``filters`` may not be shown (None: it may). With ``answered``,
    only respondents who answered that question count."""
    pool = [r for r in responses if answered is None or r.answers.get(answered) is not None]
    if len(_select(pool, filters)) < min_group:
        return "small_group"
    for dimension in filters:
        rest = {d: v for d, v in filters.items() if d != dimension}
        sizes = Counter(r.value_of(dimension) for r in _select(pool, rest))
        if any(0 < n < min_group for n in sizes.values()):
            return "difference"
    return None


def nps(scores: Sequence[int]) -> float:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6)."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 2)


def aggregate(
    questions: Sequence[Question],
    responses: Sequence[Answered],
    filters: Mapping[str, str],
    min_group: int,
) -> Results:
    """Each question's aggregate for the filtered group; free text is only counted (a sentence can
    name its writer)."""
    unknown = set(filters) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}")
    reason = suppression_reason(responses, filters, min_group)
    if reason is not None:
        return Results(
            None, True, reason, tuple(QuestionResult(q.key, q.kind, None, suppressed=True) for q in questions)
        )
    group = _select(responses, filters)
    results: list[QuestionResult] = []
    for q in questions:
        if suppression_reason(responses, filters, min_group, answered=q.key) is not None:
            results.append(QuestionResult(q.key, q.kind, None, suppressed=True))
            continue
        values = [r.answers[q.key] for r in group if r.answers.get(q.key) is not None]
        if q.kind == "scale":
            results.append(
                QuestionResult(
                    q.key,
                    q.kind,
                    len(values),
                    mean=mean(values),
                    nps=nps(values) if q.key == "recommend" else None,
                )
            )
        elif q.kind == "choice":
            counts = Counter(values)
            results.append(
                QuestionResult(q.key, q.kind, len(values), counts={c.key: counts[c.key] for c in q.choices})
            )
        else:
            results.append(QuestionResult(q.key, q.kind, len(values)))
    return Results(len(group), False, None, tuple(results))
