"""Figures that stay true: every measured figure in docs/performance.md, docs/matching.md and
deploy/README.md's sizing is what the renderer makes of `bench/results/`, and the words around the
generated blocks carry no measured figure of their own."""

from __future__ import annotations

import json
import re

import pytest

from bench import bench_matching, run_all

pytestmark = pytest.mark.unit

# A measured figure: a number with a unit of time, rate or share (sizes in GiB and multipliers in
# the sizing table are planning choices, not measurements).
FIGURE = re.compile(r"(?<![\w.,])\d[\d,.]*\s?(?:%|ms\b|s\b|/s\b|events/s\b)")
# Workload parameters and limits the method itself states (not results of a run).
PARAMETERS = {"500/s", "250/s", "200/s", "25 s", "99 %", "100 ms", "500 events/s"}


def block(text: str, begin: str, end: str) -> str:
    assert begin in text and end in text, f"{begin} … {end} missing"
    return text.partition(begin)[2].partition(end)[0].strip("\n")


def outside(text: str, begin: str, end: str) -> str:
    before, _, rest = text.partition(begin)
    return before + rest.partition(end)[2]


def rendered() -> tuple[str, str]:
    run, statuses = run_all.read_status()
    results = run_all.load_results(statuses, 0.0)
    for name in results:
        statuses.setdefault(name, {"status": "not run (figures from an earlier run)", "seconds": 0.0})
    performance = f"{run_all.render_markdown(results, statuses, run)}\n![benchmark summary](../bench/results/summary.png)"
    return performance, run_all.render_sizing(results)


def test_generated_blocks_are_what_the_results_files_say() -> None:
    performance, sizing = rendered()
    assert block(run_all.DOC.read_text(), run_all.BEGIN, run_all.END) == performance, (
        "docs/performance.md differs from bench/results/: run `python bench/run_all.py --render-only`"
    )
    assert block(run_all.SIZING.read_text(), run_all.SIZING_BEGIN, run_all.SIZING_END) == sizing, (
        "deploy/README.md's sizing differs from bench/results/: run `python bench/run_all.py --render-only`"
    )
    matching = json.loads(bench_matching.RESULTS.read_text())
    assert block(
        bench_matching.DOC.read_text(), bench_matching.BEGIN, bench_matching.END
    ) == bench_matching.table(matching), (
        "docs/matching.md differs from bench/results/matching.json: run `python bench/bench_matching.py --render-only`"
    )


def test_no_measured_figure_is_typed_by_hand_around_the_blocks() -> None:
    performance = outside(run_all.DOC.read_text(), run_all.BEGIN, run_all.END)
    sizing_section = run_all.SIZING.read_text().partition("## Sizing")[2].partition("\n## ")[0]
    sizing = outside(sizing_section, run_all.SIZING_BEGIN, run_all.SIZING_END)
    typed = {
        where: sorted({m.group(0) for m in FIGURE.finditer(text)} - PARAMETERS)
        for where, text in (("docs/performance.md", performance), ("deploy/README.md sizing", sizing))
    }
    assert typed == {"docs/performance.md": [], "deploy/README.md sizing": []}


def test_the_goals_are_measured_from_the_files_with_their_baselines() -> None:
    """Each goal of issue 24 is in summary.json with its value, baseline and verdict; a ratio goal's
    value is ours over its baseline from the same run."""
    summary = json.loads((run_all.RESULTS / "summary.json").read_text())
    goals = {g["name"]: g for g in summary["goals"]}
    for scenario in ("http", "bus", "relay", "e2e", "import_flow", "matching", "console"):
        assert any(g["scenario"] == scenario for g in goals.values()), scenario
    for g in goals.values():
        if g["value"] is not None and g["op"] == ">=" and g["baseline"] and g["unit"] == "" and g["ours"]:
            if g["scenario"] in ("http", "bus"):
                assert g["value"] == pytest.approx(g["ours"] / g["baseline"], abs=1e-3), g["name"]
        if g["met"] is not None:
            assert g["met"] == (g["value"] >= g["limit"] if g["op"] == ">=" else g["value"] < g["limit"])


def test_two_boards_of_one_size_are_two_results() -> None:
    data = {
        "quality": [
            {"teachers": 60, "seed": 1, "fraction_of_optimum": 0.99},
            {"teachers": 60, "seed": 2, "fraction_of_optimum": 0.97},
        ]
    }
    assert len(run_all.normalise("matching", data)["ratios"]) == 2


def test_each_profile_is_printed_once() -> None:
    profile = {"available": True, "file": "p.txt", "samples": 1, "self_by_package_pct": [["x", 100]]}
    data = {"lag": {"profile": profile}, "drains": [{"profile": profile}], "profile": profile}
    assert run_all._profiles(data) == [profile]
