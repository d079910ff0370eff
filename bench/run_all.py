"""Run every benchmark scenario, then render bench/results/summary.png and the figures in
docs/performance.md (between its ``bench:begin``/``bench:end`` markers; the analysis around them
is written by hand).

Each scenario is a subprocess with its own timeout, and the whole run is bounded (``--budget``,
default 14 minutes): a scenario that would not fit is skipped and reported as such, never left
running. Databases a crashed earlier run left behind (``mwbench*``) are dropped first.

    uv run python bench/run_all.py [--only bus,relay] [--budget 840] [--render-only]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, delete_leftover_bus_objects, drop_leftover_databases  # noqa: E402
from bench.goals import Goal, measure  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SIZING = ROOT / "deploy" / "README.md"
SIZING_BEGIN, SIZING_END = "<!-- bench:sizing:begin -->", "<!-- bench:sizing:end -->"

# name, script, timeout (s), extra arguments
SCENARIOS: list[tuple[str, str, int, list[str]]] = [
    ("bus", "bench_bus.py", 270, []),
    ("relay", "bench_relay.py", 240, []),
    ("e2e", "bench_e2e.py", 330, []),
    ("http", "bench_http.py", 150, []),
    # Written by the matching engineer, run if present; one seed keeps the exact MILP within budget.
    ("matching", "bench_matching.py", 420, ["--time-limit", "20", "--bound-time-limit", "60"]),
    ("import", "bench_import.py", 180, []),  # written by the registration engineer, run if present
    ("import_flow", "bench_import_flow.py", 300, []),
    ("console", "bench_console.py", 420, []),
]


def run_scenario(script: Path, timeout: float, extra: list[str]) -> tuple[str, float]:
    started = time.monotonic()
    # Own process group: on timeout the scenario's children (services, relays, consumers) go too.
    proc = subprocess.Popen([sys.executable, str(script), *extra], cwd=ROOT, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
        status = "ok" if code == 0 else f"failed (exit {code})"
    except subprocess.TimeoutExpired:
        # SIGINT first, to the scenario only: its finally blocks stop its services and drop its
        # databases and bus objects; then whatever of its process group is left is killed.
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        status = f"timed out after {timeout:.0f} s"
    return status, time.monotonic() - started


# ------------------------------------------------------------------------------------ result loading


def normalise(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Bring another engineer's result file into the rows/ratios/targets shape used here."""
    if "rows" in data and isinstance(data["rows"], list):
        return data
    rows = []
    for key, value in data.items():
        if isinstance(value, int | float) and key.endswith("_per_s"):
            rows.append({"name": key.removesuffix("_per_s").replace("_", " ") + " /s", "rate": value})
    ratios = {
        key.replace("_", " "): value
        for key, value in data.items()
        if ("ratio" in key or "fraction" in key) and isinstance(value, int | float)
    }
    for item in data.get("quality", []) if isinstance(data.get("quality"), list) else []:
        if isinstance(item, dict) and "fraction_of_optimum" in item:
            # Keyed by size *and* seed: two boards of one size (several seeds) are two results.
            board = f"{item.get('teachers')} teachers, seed {item.get('seed')}"
            ratios[f"{board}: ours / exact MILP bound"] = item["fraction_of_optimum"]
    for key, value in (data.get("scale") or {}).items() if isinstance(data.get("scale"), dict) else []:
        if isinstance(value, int | float) and key.endswith("_per_s"):
            rows.append(
                {"name": "scale " + key.removesuffix("_per_s").replace("_", " ") + " /s", "rate": value}
            )
    workload = ", ".join(
        f"{k}={v}"
        for k, v in data.items()
        if isinstance(v, int | float | str) and k not in ratios and len(str(v)) < 40
    )
    return {
        "scenario": name,
        "title": data.get("title", name),
        "workload": data.get("workload", workload),
        "rows": rows,
        "ratios": ratios,
    }


def load_results(statuses: dict[str, dict[str, Any]], run_started: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, *_ in SCENARIOS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        raw = json.loads(path.read_text())
        # The scenario's own fields stay beside the normalised rows (goals read them).
        data = {**raw, **normalise(name, raw)}
        # Stale: this run tried the scenario and did not produce fresh figures.
        data["stale"] = name in statuses and path.stat().st_mtime < run_started
        results[name] = data
    return results


# -------------------------------------------------------------------------------------------- chart


def render_chart(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [n for n in results if results[n]["rows"]]
    if not names:
        return
    fig, axes = plt.subplots(2, len(names), figsize=(5.2 * len(names), 9), squeeze=False)
    for col, name in enumerate(names):
        data = results[name]
        rows = data["rows"]
        ax = axes[0][col]
        labels = [r["name"] for r in rows if r.get("rate") is not None]
        rates = [r["rate"] for r in rows if r.get("rate") is not None]
        colors = [
            "#8c8c8c" if ("raw" in lab or "bare" in lab or "COPY" in lab or "copy" in lab) else "#1f77b4"
            for lab in labels
        ]
        ax.barh(range(len(rates)), rates, color=colors)
        ax.set_yticks(range(len(rates)), [_wrap(lab) for lab in labels], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f"{name}: throughput (/s){'  [stale]' if data.get('stale') else ''}", fontsize=10)
        ax.tick_params(axis="x", labelsize=7)
        for i, value in enumerate(rates):
            ax.text(value, i, f" {value:,.0f}", va="center", fontsize=7)
        ax = axes[1][col]
        latency_rows = [r for r in rows if r.get("p99_ms") is not None]
        if latency_rows:
            x = np.arange(len(latency_rows))
            for offset, key, color in (
                (-0.27, "p50_ms", "#2ca02c"),
                (0, "p95_ms", "#ff7f0e"),
                (0.27, "p99_ms", "#d62728"),
            ):
                values = [max(r.get(key) or 0.01, 0.01) for r in latency_rows]
                ax.bar(x + offset, values, width=0.27, label=key.removesuffix("_ms"), color=color)
            ax.set_yscale("log")
            ax.set_xticks(
                x, [_wrap(r["name"], 18) for r in latency_rows], fontsize=6, rotation=60, ha="right"
            )
            ax.set_ylabel("ms (log)", fontsize=8)
            ax.legend(fontsize=7)
            ax.set_title(f"{name}: latency percentiles", fontsize=10)
        else:
            ratios = {k: v for k, v in data.get("ratios", {}).items() if isinstance(v, int | float)}
            ax.barh(range(len(ratios)), list(ratios.values()), color="#9467bd")
            ax.set_yticks(range(len(ratios)), [_wrap(k) for k in ratios], fontsize=7)
            ax.invert_yaxis()
            ax.axvline(0.5, color="red", linestyle="--", linewidth=0.8)
            ax.set_title(f"{name}: ratios (ours / baseline)", fontsize=10)
    fig.suptitle(
        "Mentorweb benchmarks — grey: raw/bare baselines, blue: ours (same run, same machine)", fontsize=11
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- document


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_goals(goals: list[Goal]) -> list[str]:
    out = ["### Goals (issue 24), each beside its baseline in the same run\n"]
    out.append("| scenario | goal | measured | baseline | met | note |\n|---|---|---|---|---|---|")
    for g in goals:
        measured = "–" if g.value is None else f"{_fmt(g.value, 3)} {g.unit}".strip()
        if g.baseline is not None and g.ours is not None and g.ours != g.value:
            measured += f" (ours {_fmt(g.ours, 1)})"
        baseline = "–" if g.baseline is None else f"{_fmt(g.baseline, 1)} — {g.baseline_name}"
        met = {True: "yes", False: "**no**", None: "not measured"}[g.met]
        out.append(f"| {g.scenario} | {g.name} | {measured} | {baseline} | {met} | {g.note} |")
    return out


def render_markdown(
    results: dict[str, dict[str, Any]], statuses: dict[str, dict[str, Any]], run: dict[str, Any]
) -> str:
    out: list[str] = []
    out.append(
        f"Last run: {run.get('started_at', 'unknown')} — `make bench` "
        f"({sum(s['seconds'] for s in statuses.values()):.0f} s). Machine: {run.get('cpus', '?')} CPUs, "
        f"load average at the start {run.get('load', '?')}.\n"
    )
    out.append("| scenario | status | time (s) | figures measured |\n|---|---|---|---|")
    for name, status in statuses.items():
        when = results.get(name, {}).get("measured_at") or f"in the run of {run.get('started_at', '?')}"
        out.append(f"| {name} | {status['status']} | {status['seconds']:.0f} | {when} |")
    out.append("")
    out += render_goals(measure(results))
    out.append("")
    for name, data in results.items():
        stale = (
            " *(stale: from an earlier run; this run's attempt did not finish)*" if data.get("stale") else ""
        )
        out.append(f"### {data.get('title', name)} (`{name}`){stale}\n")
        out.append(f"Workload: {data.get('workload', '')}\n")
        rows = data.get("rows", [])
        if rows:
            out.append("| measure | rate /s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
            for r in rows:
                out.append(
                    f"| {r['name']} | {_fmt(r.get('rate'), 0)} | {_fmt(r.get('p50_ms'))} | "
                    f"{_fmt(r.get('p95_ms'))} | {_fmt(r.get('p99_ms'))} |"
                )
            out.append("")
        ratios = data.get("ratios", {})
        if ratios:
            out.append("Ratios: " + "; ".join(f"{k} **{_fmt(v, 3)}**" for k, v in ratios.items()) + "\n")
        if name == "e2e" and "highest_sustained_rate" in data:
            out.append(
                f"Highest rate sustained without the backlog growing: **{_fmt(data['highest_sustained_rate'], 0)}/s**"
                " (of the rates tried).\n"
            )
            for step in data.get("steps", []):
                failed = [k for k, ok in step.get("sustained_checks", {}).items() if not ok]
                out.append(
                    f"- {step['rate']:.0f}/s: sent {step['sent']}, 201 {step['accepted']} "
                    f"(statuses {step['statuses']}), backlog at end {step['backlog_at_end']}, drained "
                    f"{step['drain_seconds_after_load']} s after the load; "
                    + ("sustained" if not failed else "not sustained: " + ", ".join(failed))
                )
            out.append("")
        for profile in _profiles(data):
            top = ", ".join(f"{k} {v}%" for k, v in profile["self_by_package_pct"][:6])
            out.append(f"Profile `{profile['file']}` ({profile['samples']} samples, CPU self time): {top}.\n")
    return "\n".join(out)


def _profiles(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every profile a result file holds, once each (the relay's lag profile used to be printed
    once per profile key)."""
    found: dict[str, dict[str, Any]] = {}
    keys = ("profile", "profile_notifications", "profile_registration")
    candidates = [data.get(k) for k in keys]
    candidates += [d.get("profile") for d in data.get("drains", [])]
    candidates += [(data.get("lag") or {}).get("profile")]
    candidates += [s.get(k) for s in data.get("steps", []) for k in keys]
    for profile in candidates:
        if profile and profile.get("available"):
            found.setdefault(profile["file"], profile)
    return list(found.values())


def write_document(generated: str) -> None:
    block = f"{BEGIN}\n{generated}\n![benchmark summary](../bench/results/summary.png)\n{END}"
    if DOC.exists() and BEGIN in DOC.read_text():
        text = DOC.read_text()
        before, _, rest = text.partition(BEGIN)
        _, _, after = rest.partition(END)
        DOC.write_text(before + block + after)
    else:
        DOC.write_text(f"# Performance\n\nRun `make bench`.\n\n## Figures from the last run\n\n{block}\n")


def render_sizing(results: dict[str, dict[str, Any]]) -> str:
    """What one replica carries, from the last run's files, for deploy/README.md's sizing."""

    def row(scenario: str, starts: str) -> dict[str, Any] | None:
        return next(
            (r for r in results.get(scenario, {}).get("rows", []) if r["name"].startswith(starts)), None
        )

    lines = []
    consume, raw_consume = row("bus", "ours consume ("), row("bus", "raw consume")
    batch = row("bus", "ours consume, Batchable")
    if consume and raw_consume:
        lines.append(
            f"- **Consumer**: one consumer process handled **{_fmt(consume['rate'], 0)} events/s**, each with "
            f"its inbox row and effect committed ({_fmt(consume['rate'] / raw_consume['rate'], 3)} of raw "
            f"aio-pika consumption, {_fmt(raw_consume['rate'], 0)}/s, in the same run)"
            + (f"; {_fmt(batch['rate'], 0)} events/s with a set-based (Batchable) handler." if batch else ".")
        )
    one, two, raw_publish = (
        row("relay", "relay, 1 replica"),
        row("relay", "relay, 2 replicas"),
        row("relay", "raw"),
    )
    if one and raw_publish:
        lines.append(
            f"- **Outbox relay**: one relay published **{_fmt(one['rate'], 0)} events/s** "
            f"({_fmt(one['rate'] / raw_publish['rate'], 3)} of raw pipelined publishing, "
            f"{_fmt(raw_publish['rate'], 0)}/s)"
            + (
                f"; two replicas {_fmt(two['rate'], 0)}/s ({_fmt(two['rate'] / one['rate'], 2)}× one: the "
                "database, not the relay, is the bottleneck on one machine)."
                if two
                else "."
            )
        )
    get, bare_get = row("http", "ours GET"), row("http", "bare GET")
    post, bare_post = row("http", "ours POST"), row("http", "bare POST")
    if get and bare_get and post and bare_post:
        lines.append(
            f"- **HTTP**: registration served {_fmt(post['rate'], 0)} POST/s "
            f"({_fmt(post['rate'] / bare_post['rate'], 3)} of a bare FastAPI + asyncpg insert) and "
            f"{_fmt(get['rate'], 0)} GET/s ({_fmt(get['rate'] / bare_get['rate'], 3)} of a bare select), "
            f"p99 {_fmt(get['p99_ms'] / bare_get['p99_ms'], 1)}× the bare one's."
        )
    sustained = results.get("e2e", {}).get("highest_sustained_rate")
    if sustained:
        lines.append(
            f"- **End to end**: the four services on one machine sustained **{_fmt(sustained, 0)} "
            "registrations/s** (of the rates tried) without their backlog growing."
        )
    status = read_status()[0]
    when = f"the run of {status['started_at']}" if status.get("started_at") else "the last run"
    head = (
        f"Measured by `make bench` ({when}, {status.get('cpus', '?')} CPUs shared by PostgreSQL, RabbitMQ, "
        "the services and the load generator; figures from `bench/results/`, rendered by `bench/run_all.py`):"
    )
    return "\n".join([head, "", *lines])


def write_sizing(generated: str) -> None:
    text = SIZING.read_text()
    if SIZING_BEGIN not in text:
        return
    before, _, rest = text.partition(SIZING_BEGIN)
    _, _, after = rest.partition(SIZING_END)
    SIZING.write_text(f"{before}{SIZING_BEGIN}\n{generated}\n{SIZING_END}{after}")


def read_status() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The last real run: when it started, on what, and each scenario's status."""
    path = RESULTS / "run_status.json"
    if not path.exists():
        return {}, {}
    data = json.loads(path.read_text())
    if "scenarios" in data:
        return data.get("run", {}), data["scenarios"]
    return {}, data  # written before runs recorded their own time


def write_summary(goals: list[Goal], run: dict[str, Any]) -> None:
    summary = {"run": run, "goals": [g.as_dict() for g in goals]}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


def render(run: dict[str, Any], statuses: dict[str, dict[str, Any]], run_started: float) -> dict[str, Any]:
    """Chart, summary.json, docs/performance.md and deploy/README.md's sizing, all from the files."""
    results = load_results(statuses, run_started)
    for name in results:
        statuses.setdefault(name, {"status": "not run (figures from an earlier run)", "seconds": 0.0})
    render_chart(results, RESULTS / "summary.png")
    write_summary(measure(results), run)
    write_document(render_markdown(results, statuses, run))
    write_sizing(render_sizing(results))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--budget", type=float, default=840, help="seconds for the whole run")
    parser.add_argument("--render-only", action="store_true", help="only re-render chart and document")
    args = parser.parse_args()
    only = {s for s in args.only.split(",") if s}
    unknown = only - {name for name, *_ in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    run_started = time.time()
    deadline = time.monotonic() + args.budget
    if args.render_only:
        # The figures keep the time and machine of the run that produced them, not of this render.
        run, statuses = read_status()
        run_started = 0.0
    else:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        run = {
            "started_at": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(run_started)),
            "cpus": os.cpu_count(),
            "load": load,
            "only": sorted(only),
        }
        statuses = {}
        dropped = asyncio.run(drop_leftover_databases())
        if dropped:
            print(f"dropped {len(dropped)} databases left by an earlier run")
        deleted = asyncio.run(delete_leftover_bus_objects())
        if deleted:
            print(f"deleted {deleted} queues/exchanges left by an earlier run")
        for name, script_name, timeout, extra in SCENARIOS:
            script = ROOT / "bench" / script_name
            if (only and name not in only) or not script.exists():
                continue
            remaining = deadline - time.monotonic() - 20
            if remaining < 60:
                statuses[name] = {"status": "skipped (time budget spent)", "seconds": 0.0}
                continue
            print(f"\n### {name}: {script_name} (timeout {min(timeout, remaining):.0f} s)", flush=True)
            status, seconds = run_scenario(script, min(timeout, remaining), extra)
            statuses[name] = {"status": status, "seconds": seconds}
            print(f"### {name}: {status} in {seconds:.0f} s", flush=True)
        if only:  # a partial run keeps the other scenarios' statuses of the run they come from
            _, earlier = read_status()
            statuses = {**{k: v for k, v in earlier.items() if k not in statuses}, **statuses}
        (RESULTS / "run_status.json").write_text(
            json.dumps({"run": run, "scenarios": statuses}, indent=2) + "\n"
        )
    render(run, statuses, run_started)
    print(
        f"\nwrote {(RESULTS / 'summary.png').relative_to(ROOT)}, summary.json, {DOC.relative_to(ROOT)} and {SIZING.relative_to(ROOT)}"
    )
    for name, status in statuses.items():
        print(f"  {name:<12} {status['status']:<40} {status['seconds']:>6.0f} s")
    return 0 if all(s["status"].startswith(("ok", "not run")) for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
