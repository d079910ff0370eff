"""The evaluation report of a board or of the province: engagement, core-goal change from the first
survey round to the last, goal attainment, would-you-recommend (mean and net promoter score), the
harvest's themes and propositions. Survey figures come only through :mod:`privacy`'s suppression."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.evaluation.domain import texts
from services.evaluation.domain.engagement import BoardEngagement
from services.evaluation.domain.harvest import Harvest
from services.evaluation.domain.privacy import Answered, mean, nps
from services.evaluation.domain.questions import (
    CORE_GOALS,
    GOAL_ATTAINMENT,
    RECOMMEND,
    THEME_ATTAINMENT_ROUNDS,
    GoalTheme,
    theme_key,
)
from services.evaluation.domain.surveys import ROUND_KINDS


@dataclass(frozen=True)
class Round:
    """The responses of one survey round (every survey of that kind in the report's scope)."""

    kind: str
    responses: tuple[Answered, ...]


@dataclass(frozen=True)
class Figure:
    """A mean of some respondents, or suppressed (``value`` None) when there are too few."""

    value: float | None
    respondents: int

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class GoalChange:
    goal: str
    first: Figure
    last: Figure

    @property
    def change(self) -> float | None:
        if self.first.value is None or self.last.value is None:
            return None
        return round(self.last.value - self.first.value, 2)


@dataclass(frozen=True)
class ThemeAttainment:
    """Goal attainment (1 to 5) of those whose learning goal is ``theme``, or suppressed."""

    theme: GoalTheme
    figure: Figure

    def name(self, lang: str) -> str:
        return self.theme.name_fr if lang == "fr" else self.theme.name_en


@dataclass(frozen=True)
class EngagementTotals:
    hubs: int
    planned: int
    held: int
    present: int
    absent: int
    observation_visits: int
    sessions_attended: int
    flags: int

    @property
    def attendance_rate(self) -> float | None:
        recorded = self.present + self.absent
        return self.present / recorded if recorded else None


@dataclass(frozen=True)
class Report:
    scope: str  # board | province
    board: str | None
    program_year: str
    prepared_on: date
    min_group: int
    engagement: EngagementTotals
    first_round: str | None
    last_round: str | None
    goals: tuple[GoalChange, ...]
    goal_attainment: Figure
    recommend: Figure
    nps: Figure
    meetings_useful: Figure  # the pulses' "this hub meeting was useful", all meetings pooled
    themes: tuple[tuple[str, int], ...]
    propositions: tuple[tuple[str, str, date], ...]
    # Province report: each board's engagement (counts only; survey figures are never split by board,
    # so a small board cannot be recovered from the province's total minus the others).
    by_board: tuple[tuple[str, EngagementTotals], ...] = ()
    # Goal attainment per learning-goal theme, from the last round that asked it (mid-year or end of year).
    attainment_round: str | None = None
    attainment_by_theme: tuple[ThemeAttainment, ...] = ()


def _figure(values: Sequence[int], min_group: int, compute=mean) -> Figure:
    if len(values) < min_group:
        return Figure(None, len(values))
    return Figure(compute(values), len(values))


def _values(round_: Round | None, key: str) -> list[int]:
    if round_ is None:
        return []
    return [r.answers[key] for r in round_.responses if isinstance(r.answers.get(key), int)]


def theme_attainment(
    round_: Round | None, themes: Sequence[GoalTheme], min_group: int, *, by_board: bool
) -> tuple[ThemeAttainment, ...]:
    """Each theme's mean attainment among those who answered its question, suppressed below
    ``min_group``. Across boards (the province's report) a theme is also suppressed when any board
    has between 1 and ``min_group - 1`` of its respondents: the board's own report withholds that
    group, and the province's figure minus the other boards' would reveal it."""
    found = []
    for theme in themes:
        key = theme_key(theme.code)
        answered = [r for r in round_.responses if isinstance(r.answers.get(key), int)] if round_ else []
        figure = _figure([r.answers[key] for r in answered], min_group)
        if by_board and figure.value is not None:
            sizes = Counter(r.board for r in answered)
            if any(0 < n < min_group for n in sizes.values()):
                figure = Figure(None, len(answered))
        found.append(ThemeAttainment(theme, figure))
    return tuple(found)


def totals(engagements: Sequence[BoardEngagement]) -> EngagementTotals:
    return EngagementTotals(
        hubs=sum(len(e.hubs) for e in engagements),
        planned=sum(e.planned for e in engagements),
        held=sum(e.held for e in engagements),
        present=sum(e.present for e in engagements),
        absent=sum(e.absent for e in engagements),
        observation_visits=sum(e.observation_visits for e in engagements),
        sessions_attended=sum(e.sessions_attended for e in engagements),
        flags=sum(len(e.flags) for e in engagements),
    )


def build(
    *,
    scope: str,
    board: str | None,
    program_year: str,
    prepared_on: date,
    min_group: int,
    engagements: Sequence[BoardEngagement],
    rounds: Sequence[Round],
    harvest: Harvest,
    pulses: Sequence[Answered] = (),
    goal_themes: Sequence[GoalTheme] = (),
) -> Report:
    """The report. The first and last rounds are the earliest and latest of baseline, mid-year and end
    of year that have responses; goal attainment and would-you-recommend come from the last."""
    answered = sorted((r for r in rounds if r.responses), key=lambda r: ROUND_KINDS.index(r.kind))
    first = answered[0] if answered else None
    last = answered[-1] if answered else None
    goals = tuple(
        GoalChange(g, _figure(_values(first, g), min_group), _figure(_values(last, g), min_group))
        for g in CORE_GOALS
    )
    asked = [r for r in answered if r.kind in THEME_ATTAINMENT_ROUNDS]
    attainment = asked[-1] if asked else None
    return Report(
        scope=scope,
        board=board,
        program_year=program_year,
        prepared_on=prepared_on,
        min_group=min_group,
        engagement=totals(engagements),
        first_round=first.kind if first else None,
        last_round=last.kind if last else None,
        goals=goals,
        goal_attainment=_figure(_values(last, GOAL_ATTAINMENT), min_group),
        recommend=_figure(_values(last, RECOMMEND), min_group),
        nps=_figure(_values(last, RECOMMEND), min_group, nps),
        meetings_useful=_figure(_values(Round("pulse", tuple(pulses)), "meeting_useful"), min_group),
        themes=tuple((t.title, t.votes) for t in harvest.themes),
        propositions=tuple((p.text, p.owner or "", p.due_on) for p in harvest.propositions if p.due_on),
        by_board=tuple((e.board, totals([e])) for e in engagements) if scope == "province" else (),
        attainment_round=attainment.kind if attainment and goal_themes else None,
        attainment_by_theme=theme_attainment(
            attainment, goal_themes, min_group, by_board=scope == "province"
        ),
    )


def _shown(figure: Figure, report: Report, lang: str, fmt=texts.number) -> str:
    if figure.value is None:
        return texts.label("suppressed", lang, n=report.min_group)
    return str(fmt(figure.value, lang))


def sections(report: Report, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report as titled sections of (measure, value) lines in ``lang``: what the PDF and the CSV
    both print, so they never disagree."""
    L = texts.label  # noqa: N806
    e = report.engagement
    rate = e.attendance_rate
    engagement = [
        (L("hubs", lang), texts.number(e.hubs, lang, 0)),
        (L("meetings_planned", lang), texts.number(e.planned, lang, 0)),
        (L("meetings_held", lang), texts.number(e.held, lang, 0)),
        (L("attendance", lang), texts.percent(rate, lang) if rate is not None else "—"),
        (L("observation_visits", lang), texts.number(e.observation_visits, lang, 0)),
        (L("sessions_attended", lang), texts.number(e.sessions_attended, lang, 0)),
        (L("needs_check_in", lang), texts.number(e.flags, lang, 0)),
        (L("meetings_useful", lang), _shown(report.meetings_useful, report, lang)),
    ]
    goals: list[tuple[str, str]] = []
    for g in report.goals:
        change = g.change
        value = (
            f"{L('first', lang)} {_shown(g.first, report, lang)} · {L('last', lang)} {_shown(g.last, report, lang)}"
            f" · {L('change', lang)} {texts.signed(change, lang) if change is not None else '—'}"
        )
        goals.append((L(g.goal, lang), value))
    goals += [
        (L("goal_attainment", lang), _shown(report.goal_attainment, report, lang)),
        *(
            (L("goal_attainment_theme", lang, theme=a.name(lang)), _shown(a.figure, report, lang))
            for a in report.attainment_by_theme
        ),
        (L("recommend", lang), _shown(report.recommend, report, lang)),
        (L("nps", lang), _shown(report.nps, report, lang, lambda v, lg: texts.number(v, lg, 1))),
    ]
    harvest = [(L("themes", lang), f"{title} ({votes})") for title, votes in report.themes] or [
        (L("themes", lang), L("none", lang))
    ]
    harvest += [
        (
            L("propositions", lang),
            f"{text} — {texts.pair(L('owner', lang), owner, lang)}, {L('due', lang)} {texts.day(due, lang)}",
        )
        for text, owner, due in report.propositions
    ] or [(L("propositions", lang), L("none", lang))]
    result = [(L("engagement", lang), engagement)]
    if report.by_board:
        result.append(
            (
                L("by_board", lang),
                [
                    (
                        code,
                        L(
                            "board_line",
                            lang,
                            hubs=texts.number(b.hubs, lang, 0),
                            held=texts.number(b.held, lang, 0),
                            planned=texts.number(b.planned, lang, 0),
                            attendance=texts.percent(b.attendance_rate, lang)
                            if b.attendance_rate is not None
                            else "—",
                        ),
                    )
                    for code, b in report.by_board
                ],
            )
        )
    return [*result, (L("goals", lang), goals), (L("harvest", lang), harvest)]


def title(report: Report, lang: str) -> str:
    if report.scope == "board":
        return texts.label("report_board", lang, board=report.board)
    return texts.label("report_province", lang)


def to_csv(report: Report, lang: str) -> str:
    """The report as CSV (section, measure, value) in ``lang``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title(report, lang), texts.label("program_year", lang), report.program_year])
    for section, rows in sections(report, lang):
        for measure, value in rows:
            writer.writerow([section, measure, value])
    writer.writerow(["", "", texts.label("min_group", lang, n=report.min_group)])
    return out.getvalue()


def as_data(report: Report) -> dict[str, object]:
    """The report's figures as plain data (JSON), suppressed values as null with their respondents
    count withheld too."""

    def fig(f: Figure) -> dict[str, object]:
        return {
            "value": f.value,
            "respondents": None if f.suppressed else f.respondents,
            "suppressed": f.suppressed,
        }

    e = report.engagement
    return {
        "scope": report.scope,
        "board": report.board,
        "program_year": report.program_year,
        "prepared_on": report.prepared_on.isoformat(),
        "min_group": report.min_group,
        "engagement": {
            "hubs": e.hubs,
            "meetings_planned": e.planned,
            "meetings_held": e.held,
            "present": e.present,
            "absent": e.absent,
            "attendance_rate": e.attendance_rate,
            "observation_visits": e.observation_visits,
            "sessions_attended": e.sessions_attended,
            "needs_check_in": e.flags,
        },
        "first_round": report.first_round,
        "last_round": report.last_round,
        "goals": [
            {"goal": g.goal, "first": fig(g.first), "last": fig(g.last), "change": g.change}
            for g in report.goals
        ],
        "goal_attainment": fig(report.goal_attainment),
        "attainment_round": report.attainment_round,
        "goal_attainment_by_theme": [
            {"theme": a.theme.code, "name": {"en": a.theme.name_en, "fr": a.theme.name_fr}, **fig(a.figure)}
            for a in report.attainment_by_theme
        ],
        "recommend": fig(report.recommend),
        "nps": fig(report.nps),
        "meetings_useful": fig(report.meetings_useful),
        "boards": [
            {
                "board": code,
                "hubs": b.hubs,
                "meetings_planned": b.planned,
                "meetings_held": b.held,
                "attendance_rate": b.attendance_rate,
            }
            for code, b in report.by_board
        ],
        "themes": [{"title": t, "votes": v} for t, v in report.themes],
        "propositions": [{"text": t, "owner": o, "due_on": d.isoformat()} for t, o, d in report.propositions],
    }
