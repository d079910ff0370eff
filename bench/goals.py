"""The performance goals (issue 24), each measured from the scenarios' result files.

Every goal is a value measured in a run *beside its baseline* on the same machine: the figure, the
baseline it is compared with (where the goal is a ratio), the ratio, the limit and whether it is met.
``run_all.py`` writes them to ``bench/results/summary.json`` and renders them into
docs/performance.md; nothing here is typed by hand except the limits themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

Results = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Goal:
    scenario: str
    name: str
    op: str  # ">=" or "<"
    limit: float
    unit: str
    value: float | None = None  # the figure compared with the limit (a ratio where baseline is set)
    ours: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.op == ">=" else self.value < self.limit

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


def _row(results: Results, scenario: str, starts: str) -> dict[str, Any] | None:
    for row in results.get(scenario, {}).get("rows", []):
        if row["name"].startswith(starts):
            return row
    return None


def _ratio(
    results: Results, scenario: str, name: str, ours: str, base: str, limit: float, key: str = "rate"
) -> Goal:
    mine, bare = _row(results, scenario, ours), _row(results, scenario, base)
    if not mine or not bare or not bare.get(key):
        return Goal(scenario, name, ">=", limit, "", note="not measured in the last run")
    return Goal(
        scenario,
        name,
        ">=",
        limit,
        "",
        value=round(mine[key] / bare[key], 3),
        ours=mine[key],
        baseline=bare[key],
        baseline_name=bare["name"],
    )


def _http(results: Results) -> list[Goal]:
    return [
        _ratio(
            results,
            "http",
            "POST a participant / bare insert (req/s) >= 0.35",
            "ours POST",
            "bare POST",
            0.35,
        ),
        _ratio(results, "http", "GET participants / bare select (req/s) >= 0.5", "ours GET", "bare GET", 0.5),
    ]


def _bus(results: Results) -> list[Goal]:
    return [
        _ratio(
            results,
            "bus",
            "consume with a durable effect / raw aio-pika consume (msg/s) >= 0.35",
            "ours consume (",
            "raw consume",
            0.35,
        )
    ]


def _relay(results: Results) -> list[Goal]:
    row = _row(results, "relay", "lag event→consumer delivery @ 500/s")
    raw = _row(results, "e2e", "raw aio-pika round trip @ 500/s")
    name = "relay p99 commit→delivery lag at 500 events/s < 100 ms"
    if not row:
        return [Goal("relay", name, "<", 100, "ms", note="not measured in the last run")]
    return [
        Goal(
            "relay",
            name,
            "<",
            100,
            "ms",
            value=row["p99_ms"],
            ours=row["p99_ms"],
            baseline=raw["p99_ms"] if raw else None,
            baseline_name=raw["name"] if raw else "",
        )
    ]


def _e2e(results: Results) -> list[Goal]:
    raw = _row(results, "e2e", "raw aio-pika round trip @ 500/s") or _row(results, "e2e", "raw aio-pika")
    goals = []
    for what, starts in (
        ("matching", "response → in matching @ 200/s"),
        ("welcome email", "response → email at SMTP @ 200/s"),
    ):
        row = _row(results, "e2e", starts)
        name = f"p99 registration → {what} at 200 registrations/s < 1000 ms"
        if not row:
            goals.append(Goal("e2e", name, "<", 1000, "ms", note="200/s not reached in the last run"))
            continue
        goals.append(
            Goal(
                "e2e",
                name,
                "<",
                1000,
                "ms",
                value=row["p99_ms"],
                ours=row["p99_ms"],
                baseline=raw["p99_ms"] if raw else None,
                baseline_name=raw["name"] if raw else "",
            )
        )
    return goals


def _import_flow(results: Results) -> list[Goal]:
    seconds = results.get("import_flow", {}).get("seconds") or {}
    name = "50,000-row import handled by every service < 180 s"
    if seconds.get("every_service") is None:
        return [Goal("import_flow", name, "<", 180, "s", note="not measured in the last run")]
    return [
        Goal(
            "import_flow",
            name,
            "<",
            180,
            "s",
            value=round(seconds["every_service"], 1),
            ours=round(seconds["every_service"], 1),
            baseline=seconds.get("raw_fan_out"),
            baseline_name="raw aio-pika fan-out of as many messages to two quorum queues (s)",
        )
    ]


def _matching(results: Results) -> list[Goal]:
    data = results.get("matching", {})
    goals = []
    quality = [q for q in data.get("quality", []) if q.get("teachers") in (60, 120)]
    for q in quality:
        proven = q.get("milp_status") == "Optimal"
        board = f"{q['teachers']}-teacher board (seed {q.get('seed')})"
        goals.append(
            Goal(
                "matching",
                f"{board}: ours / exact bound >= 0.98",
                ">=",
                0.98,
                "",
                value=q.get("ours_over_bound"),
                ours=q.get("ours"),
                baseline=q.get("bound"),
                baseline_name="upper bound of the exact MILP (optimal objective <= bound)",
            )
        )
        goals.append(
            Goal(
                "matching",
                f"{board}: the exact model proves its optimum (1 = proven)",
                ">=",
                1,
                "",
                value=1.0 if proven else 0.0,
                note=f"HiGHS status: {q['milp_status']} after {q.get('milp_seconds')} s"
                if q.get("milp_status")
                else "the exact model was not run on this board (bench_matching --milp-up-to)",
            )
        )
    scale = data.get("scale") or {}
    if scale.get("wall_seconds") is not None:
        goals.append(
            Goal(
                "matching",
                f"{scale.get('teachers'):,}-teacher province < 5 s",
                "<",
                5,
                "s",
                value=scale["wall_seconds"],
                ours=scale["wall_seconds"],
            )
        )
    return goals


def _console(results: Results) -> list[Goal]:
    pages = (results.get("console", {}).get("boards") or {}).get("large") or []
    name = "console pages, p95 server time on a 2,000-teacher board < 300 ms (slowest page)"
    if not pages:
        return [Goal("console", name, "<", 300, "ms", note="not measured in the last run")]
    worst = max(pages, key=lambda p: p["server_p95_ms"])
    return [
        Goal(
            "console",
            name,
            "<",
            300,
            "ms",
            value=worst["server_p95_ms"],
            ours=worst["server_p95_ms"],
            baseline=worst.get("api_p95_ms"),
            baseline_name=f"the services' own API calls behind {worst['page'].split('/')[-1] or 'the page'}",
            note=f"slowest page: {worst['page'].replace(worst['page'].split('/')[2], '<board>')}"
            if worst["page"].count("/") >= 2
            else "",
        )
    ]


GOALS: list[Callable[[Results], list[Goal]]] = [_http, _bus, _relay, _e2e, _import_flow, _matching, _console]


def measure(results: Results) -> list[Goal]:
    return [goal for measure_one in GOALS for goal in measure_one(results)]
