"""Matching benchmark: quality against an exact optimiser, and scale, in one run.

(a) Quality. Reference boards (synthetic, 60-72 teachers, a few seeds) are solved by
    ``form_hubs`` and by a mixed-integer program solved with HiGHS; both solutions are scored with
    the same ``objective.score_solution`` and the ratio ours/optimum is reported with both times.

    The program enumerates hub "slots": one per (theme, grade band) label, hub size s in
    [min, max] and copy. Labels are the (primary theme, band) clusters of the board plus the labels
    of our own hubs (so our solution is in the program's space and can be its MIP start). Binary
    x[t,k] seats teacher t in slot k, y[m,k] makes mentor m a leader, z[k] opens the slot:
        sum_t x[t,k] = s_k z_k,   sum_m y[m,k] = 2 z_k,   x[t,k] <= z_k,   y[m,k] <= z_k,
        sum_k x[t,k] <= 1,   sum_k y[m,k] <= hub capacity of m,
        x[t,k] + y[m,k] <= 1 when m evaluates t,   language and track by partition.
    With the size fixed per slot every share in score_hub is linear:
        theme + band: x[t,k] (w_theme fit_theme + w_band fit_band) / s_k;   leaders: y[m,k] w_leaders fit / 2;
        distinct schools: u[school,k] <= sum of x of that school, u <= z, weight w_schools / s_k;
        size: -w_size |s_k - preferred| / preferred on z_k;   unplaced: w_unplaced per seated teacher.
    The one-alike share (peered one-alikes / one-alikes) is linearised as 1 - unpeered/s_k with
    q[t,k] <= x[t,k], q[t,k] <= sum of x of t's assignment peers. That is exact when a hub has no
    one-alike or only one-alikes and never below the true share, so the program's objective is an
    upper bound of score_solution and HiGHS's dual bound bounds the optimum over the slots.
    Each program is limited to --time-limit seconds; if not proven optimal, the gap is reported.

(b) Scale. ``synthetic.province()`` (10,000 teachers, 2,500 mentors, 60 boards) in a fresh process:
    wall and CPU time of ``form_hubs``, then its peak traced memory (tracemalloc, a second run) and
    the process's peak RSS (ru_maxrss).

    uv run python bench/bench_matching.py [--time-limit 60] [--workers 2] [--seeds 1 2 3 4]

Writes bench/results/matching.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.matching.domain.forming import (  # noqa: E402
    check_hard_constraints,
    form_hubs,
    mentor_partition,
    partition_of,
)
from services.matching.domain.objective import (  # noqa: E402
    DEFAULT_WEIGHTS,
    Weights,
    assignment,
    band_fit,
    leader_fit,
    one_alike_ids,
    score_solution,
    theme_fit,
)
from services.matching.domain.placement_model import (  # noqa: E402
    Hub,
    MatchingPolicy,
    MatchingResult,
    Mentor,
    Teacher,
    Unplaced,
    hub_key,
)
from services.matching.domain.synthetic import board, province  # noqa: E402

# (teachers, seed): boards small enough for HiGHS to prove optimality within the time limit.
INSTANCES = ((30, 1), (30, 2), (30, 3), (60, 1), (60, 2))  # 30: HiGHS proves the optimum; 60: best found
MENTORS_PER_TEACHER = 1 / 3.3
RESULTS = ROOT / "bench" / "results" / "matching.json"
# Stop once the best solution is proven within 0.1% of the optimum (HiGHS's default is 0.01%).
MIP_GAP = 1e-3


# ---------------------------------------------------------------- the mixed-integer program


@dataclass
class Program:
    """A MILP in row-wise form, built incrementally."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def var(self, cost: float = 0.0, *, binary: bool = True) -> int:
        self.lower.append(0.0)
        self.upper.append(1.0)
        self.cost.append(cost)
        if binary:
            self.integer.append(len(self.lower) - 1)
        return len(self.lower) - 1

    def row(self, terms: Sequence[tuple[int, float]], lo: float = -math.inf, hi: float = math.inf) -> None:
        for column, coefficient in terms:
            self.index.append(column)
            self.value.append(coefficient)
        self.starts.append(len(self.index))
        self.row_lower.append(lo)
        self.row_upper.append(hi)


@dataclass
class Slot:
    theme: str
    band: str | None
    size: int
    z: int
    x: dict[int, int] = field(default_factory=dict)  # teacher index -> column
    y: dict[int, int] = field(default_factory=dict)  # mentor index -> column
    u: dict[str | None, int] = field(default_factory=dict)  # school -> column
    q: dict[int, int] = field(default_factory=dict)  # one-alike teacher index -> column


def build_program(
    teachers: Sequence[Teacher],
    mentors: Sequence[Mentor],
    policy: MatchingPolicy,
    weights: Weights,
    one_alike: set[str],
    ours: Sequence[Hub],
) -> tuple[Program, list[Slot], float]:
    """The slot MILP of one partition (see the module docstring); returns it, its slots and the
    objective's constant (every teacher unplaced)."""
    w = weights
    program = Program()
    sizes = range(policy.min_hub_size, policy.max_hub_size + 1)
    most_hubs = len(teachers) // policy.min_hub_size
    ours_per_slot = Counter((h.theme, h.grade_band, len(h.members)) for h in ours)
    labels = sorted(
        {(t.primary_theme, t.grade_band) for t in teachers} | {(h.theme, h.grade_band) for h in ours},
        key=lambda label: (label[0], label[1] or ""),
    )
    slots: list[Slot] = []
    for theme, band in labels:
        fitting = sum(1 for t in teachers if theme_fit(t, theme) == 1.0 and band_fit(t, band) >= 0.5)
        for size in sizes:
            copies = min(
                most_hubs, max(math.ceil(fitting / policy.max_hub_size), ours_per_slot[(theme, band, size)])
            )
            previous = None
            for _ in range(copies):
                z = program.var(-w.size * abs(size - w.preferred_size) / w.preferred_size + w.one_alike)
                slots.append(Slot(theme, band, size, z))
                if previous is not None:
                    program.row([(previous, 1), (z, -1)], lo=0)  # copies open in order (symmetry)
                previous = z
    program.row([(s.z, 1) for s in slots], hi=most_hubs)
    schools = sorted({t.school for t in teachers}, key=lambda s: s or "")
    peers = {
        i: [j for j, other in enumerate(teachers) if j != i and assignment(other) == assignment(teachers[i])]
        for i, t in enumerate(teachers)
        if t.participant_id in one_alike
    }
    for slot in slots:
        n = slot.size
        for i, teacher in enumerate(teachers):
            fit = w.theme * theme_fit(teacher, slot.theme) + w.band * band_fit(teacher, slot.band)
            penalty = w.one_alike / n if i in peers else 0.0  # an unpeered one-alike lowers the share
            slot.x[i] = program.var(fit / n + w.unplaced - penalty)
            program.row([(slot.x[i], 1), (slot.z, -1)], hi=0)
        program.row([*((v, 1.0) for v in slot.x.values()), (slot.z, -n)], lo=0, hi=0)
        for j, mentor in enumerate(mentors):
            if mentor.hub_capacity > 0:
                slot.y[j] = program.var(w.leaders * leader_fit(mentor, slot.theme) / policy.leaders_per_hub)
                program.row([(slot.y[j], 1), (slot.z, -1)], hi=0)
        program.row([*((v, 1.0) for v in slot.y.values()), (slot.z, -policy.leaders_per_hub)], lo=0, hi=0)
        for school in schools:
            slot.u[school] = program.var(w.schools / n, binary=False)
            program.row([(slot.u[school], 1), (slot.z, -1)], hi=0)
            program.row(
                [
                    (slot.u[school], 1),
                    *((slot.x[i], -1.0) for i, t in enumerate(teachers) if t.school == school),
                ],
                hi=0,
            )
        for i, mates in peers.items():
            if mates:
                slot.q[i] = program.var(w.one_alike / n, binary=False)
                program.row([(slot.q[i], 1), (slot.x[i], -1)], hi=0)
                program.row([(slot.q[i], 1), *((slot.x[j], -1.0) for j in mates)], hi=0)
    for i in range(len(teachers)):
        program.row([(slot.x[i], 1.0) for slot in slots], hi=1)
    for j, mentor in enumerate(mentors):
        if mentor.hub_capacity > 0:
            program.row([(slot.y[j], 1.0) for slot in slots], hi=mentor.hub_capacity)
            for i, teacher in enumerate(teachers):
                if mentor.evaluates(teacher):
                    for slot in slots:
                        program.row([(slot.x[i], 1), (slot.y[j], 1)], hi=1)
    return program, slots, -w.unplaced * len(teachers)


def start_from(
    program: Program,
    slots: list[Slot],
    teachers: Sequence[Teacher],
    mentors: Sequence[Mentor],
    ours: Sequence[Hub],
) -> list[float]:
    """Our hubs as a feasible point of the program (the MIP start)."""
    values = [0.0] * len(program.lower)
    index_of = {t.participant_id: i for i, t in enumerate(teachers)}
    mentor_of = {m.participant_id: j for j, m in enumerate(mentors)}
    free = defaultdict(list)
    for slot in slots:
        free[(slot.theme, slot.band, slot.size)].append(slot)
    for hub in ours:
        slot = free[(hub.theme, hub.grade_band, len(hub.members))].pop(0)
        values[slot.z] = 1.0
        members = [index_of[m] for m in hub.members]
        for i in members:
            values[slot.x[i]] = 1.0
        for m in hub.leaders:
            values[slot.y[mentor_of[m]]] = 1.0
        for school in {teachers[i].school for i in members}:
            values[slot.u[school]] = 1.0
        mates = Counter(assignment(teachers[i]) for i in members)
        for i in members:
            if i in slot.q and mates[assignment(teachers[i])] > 1:
                values[slot.q[i]] = 1.0
    return values


def solve_partition(
    teachers: Sequence[Teacher],
    mentors: Sequence[Mentor],
    policy: MatchingPolicy,
    weights: Weights,
    one_alike: set[str],
    ours: Sequence[Hub],
    time_limit: float,
) -> dict[str, Any]:
    import highspy
    import numpy as np

    program, slots, offset = build_program(teachers, mentors, policy, weights, one_alike, ours)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 1)
    highs.setOptionValue("mip_rel_gap", MIP_GAP)
    highs.setOptionValue("mip_heuristic_effort", float(os.environ.get("HEUR", "0.05")))
    n = len(program.lower)
    highs.addVars(n, np.array(program.lower), np.array(program.upper))
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(program.cost))
    integer = np.array(program.integer, dtype=np.int32)
    highs.changeColsIntegrality(len(integer), integer, np.ones(len(integer), dtype=np.uint8))
    row_lower = np.array([-highspy.kHighsInf if v == -math.inf else v for v in program.row_lower])
    row_upper = np.array([highspy.kHighsInf if v == math.inf else v for v in program.row_upper])
    highs.addRows(
        len(row_lower),
        row_lower,
        row_upper,
        len(program.index),
        np.array(program.starts[:-1], dtype=np.int32),
        np.array(program.index, dtype=np.int32),
        np.array(program.value),
    )
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.changeObjectiveOffset(offset)
    start = start_from(program, slots, teachers, mentors, ours)
    highs.setSolution(n, np.arange(n, dtype=np.int32), np.array(start))
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    info = highs.getInfo()
    solution = highs.getSolution().col_value
    hubs: list[Hub] = []
    for slot in slots:
        if solution[slot.z] > 0.5:
            members = tuple(
                sorted(teachers[i].participant_id for i, v in slot.x.items() if solution[v] > 0.5)
            )
            leaders = tuple(sorted(mentors[j].participant_id for j, v in slot.y.items() if solution[v] > 0.5))
            first = teachers[0]
            hubs.append(
                Hub(
                    hub_key(first.board, slot.theme, slot.band, members),
                    first.board,
                    slot.theme,
                    slot.band,
                    first.language,
                    first.track,
                    members,
                    leaders,
                )
            )
    return {
        "hubs": hubs,
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": info.objective_function_value,
        "bound": info.mip_dual_bound,
        "gap": info.mip_gap,
        "seconds": seconds,
        "columns": n,
        "rows": len(program.row_lower),
        "slots": len(slots),
    }


def exact_reference(
    teachers: Sequence[Teacher],
    mentors: Sequence[Mentor],
    ours: MatchingResult,
    policy: MatchingPolicy,
    weights: Weights,
    time_limit: float,
) -> dict[str, Any]:
    """The program solved per partition (language, track); their results combined."""
    one_alike = one_alike_ids(teachers)
    parts: dict[tuple[str, str, str], list[Teacher]] = defaultdict(list)
    for teacher in teachers:
        parts[partition_of(teacher, policy)].append(teacher)
    mentor_parts: dict[tuple[str, str, str], list[Mentor]] = defaultdict(list)
    for mentor in mentors:
        mentor_parts[mentor_partition(mentor, policy)].append(mentor)
    combined: dict[str, Any] = {"hubs": [], "objective": 0.0, "bound": 0.0, "seconds": 0.0, "status": []}
    combined.update(columns=0, rows=0, slots=0)
    for key in sorted(parts):
        members = parts[key]
        ours_here = [
            h for h in ours.hubs if h.members and h.members[0] in {t.participant_id for t in members}
        ]
        part = solve_partition(
            members, mentor_parts.get(key, []), policy, weights, one_alike, ours_here, time_limit
        )
        combined["hubs"] += part["hubs"]
        for name in ("objective", "bound", "seconds", "columns", "rows", "slots"):
            combined[name] += part[name]
        combined["status"].append(part["status"])
    combined["status"] = ", ".join(sorted(set(combined["status"])))
    objective, bound = combined["objective"], combined["bound"]
    combined["gap"] = (bound - objective) / abs(bound) if bound else 0.0
    return combined


def quality_case(case: tuple[int, int, float]) -> dict[str, Any]:
    n_teachers, seed, time_limit = case
    policy, weights = MatchingPolicy(), DEFAULT_WEIGHTS
    teachers, mentors = board(f"Q{seed}", n_teachers, round(n_teachers * MENTORS_PER_TEACHER), seed=seed)
    by_id = {t.participant_id: t for t in teachers}
    mentor_by_id = {m.participant_id: m for m in mentors}
    started = time.perf_counter()
    ours = form_hubs(teachers, mentors, policy, weights=weights)
    ours_seconds = time.perf_counter() - started
    ours_score = score_solution(ours.hubs, len(ours.unplaced), by_id, mentor_by_id, weights)
    reference = exact_reference(teachers, mentors, ours, policy, weights, time_limit)
    placed = {m for h in reference["hubs"] for m in h.members}
    unplaced = tuple(
        Unplaced(t.participant_id, "not seated") for t in teachers if t.participant_id not in placed
    )
    exact = MatchingResult(hubs=tuple(reference["hubs"]), unplaced=unplaced)
    violations = check_hard_constraints(exact, teachers, mentors, policy) + check_hard_constraints(
        ours, teachers, mentors, policy
    )
    exact_score = score_solution(exact.hubs, len(unplaced), by_id, mentor_by_id, weights)
    return {
        "teachers": n_teachers,
        "mentors": len(mentors),
        "seed": seed,
        "ours": round(ours_score, 4),
        "ours_seconds": round(ours_seconds, 4),
        "ours_hubs": len(ours.hubs),
        "ours_unplaced": len(ours.unplaced),
        "optimum": round(exact_score, 4),
        "optimum_seconds": round(reference["seconds"], 2),
        "optimum_hubs": len(exact.hubs),
        "optimum_unplaced": len(unplaced),
        "milp_status": reference["status"],
        "milp_objective": round(reference["objective"], 4),
        "milp_bound": round(reference["bound"], 4),
        "milp_gap": round(reference["gap"], 5),
        "milp_size": {k: reference[k] for k in ("columns", "rows", "slots")},
        "fraction_of_optimum": round(ours_score / exact_score, 4),
        # The bound is over the linearised objective, never below the true one: a floor for the fraction.
        "fraction_of_bound": round(ours_score / reference["bound"], 4),
        "violations": violations,
    }


# ---------------------------------------------------------------- scale


def scale() -> dict[str, Any]:
    teachers, mentors = province()
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = form_hubs(teachers, mentors)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    violations = check_hard_constraints(result, teachers, mentors)
    del result
    gc.collect()
    tracemalloc.start()
    traced = form_hubs(teachers, mentors)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "teachers": len(teachers),
        "mentors": len(mentors),
        "boards": len({t.board for t in teachers}),
        "hubs": len(traced.hubs),
        "unplaced": len(traced.unplaced),
        "objective": round(traced.objective, 2),
        "violations": len(violations),
        "wall_seconds": round(wall, 3),
        "teachers_per_s": round(len(teachers) / wall),
        "cpu_seconds": round(cpu, 3),
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


# ---------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per MILP")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[seed for _, seed in INSTANCES],
        help="reference boards to solve",
    )
    parser.add_argument(
        "--teachers", type=int, help="solve boards of this many teachers instead of the reference sizes"
    )
    parser.add_argument("--scale-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_only:
        print(json.dumps(scale()))
        return

    began = time.perf_counter()
    # Scale first, alone, in a fresh process: its times and peak RSS are matching's, not HiGHS's.
    child = subprocess.run(
        [sys.executable, __file__, "--scale-only"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    scaled = json.loads(child.stdout.strip().splitlines()[-1])
    cases = [(args.teachers or n, seed, args.time_limit) for n, seed in INSTANCES if seed in args.seeds]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        quality = list(pool.map(quality_case, cases))
    total = time.perf_counter() - began

    fractions = [q["fraction_of_optimum"] for q in quality]
    print("\nMatching quality: ours vs the exact optimum (both scored by objective.score_solution)")
    print(
        f"{'board':>12} {'ours':>9} {'optimum':>9} {'ours/opt':>9} {'ours/bound':>10} "
        f"{'ours s':>7} {'MILP s':>7} {'MILP status (gap)':>26}"
    )
    for q in quality:
        label = f"{q['teachers']}t/{q['mentors']}m s{q['seed']}"
        status = f"{q['milp_status']} ({q['milp_gap']:.2%})"
        print(
            f"{label:>12} {q['ours']:>9.2f} {q['optimum']:>9.2f} {q['fraction_of_optimum']:>9.4f} "
            f"{q['fraction_of_bound']:>10.4f} {q['ours_seconds']:>7.3f} {q['optimum_seconds']:>7.1f} {status:>26}"
        )
    print(f"{'min / mean':>12} {'':>9} {'':>9} {min(fractions):>9.4f} {'':>10}   target >= 0.97")
    print("\nMatching scale: synthetic.province()")
    print(
        f"{scaled['teachers']} teachers, {scaled['mentors']} mentors, {scaled['boards']} boards -> "
        f"{scaled['hubs']} hubs, {scaled['unplaced']} unplaced, {scaled['violations']} violations; "
        f"wall {scaled['wall_seconds']:.2f} s (CPU {scaled['cpu_seconds']:.2f} s), "
        f"tracemalloc peak {scaled['tracemalloc_peak_mib']:.1f} MiB, max RSS {scaled['max_rss_mib']:.1f} MiB "
        "(targets < 10 s, < 1 GiB)"
    )
    print(f"\nwhole benchmark: {total:.1f} s")
    import highspy

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "title": "Matching: quality vs exact MILP, province scale",
                "targets": ["ours/optimum >= 0.97", "province < 10 s and < 1 GiB"],
                "quality": quality,
                "quality_min_fraction": min(fractions),
                "quality_mean_fraction": round(sum(fractions) / len(fractions), 4),
                "scale": scaled,
                "bench_seconds": round(total, 1),
                "milp_time_limit_s": args.time_limit,
                "highspy": getattr(highspy, "__version__", None) or highspy.Highs().version(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
