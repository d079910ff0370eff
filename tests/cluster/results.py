"""The cluster faults' figures: one file (bench/results/cluster.json) and its table in docs/reliability.md.

The table is generated from the file (between the ``cluster-results`` markers), never typed by hand:
``python -m tests.cluster.results`` renders it again; the test session does so when it ends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "cluster.json"
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- cluster-results:begin -->", "<!-- cluster-results:end -->"


def record(fault: str, **figures: Any) -> None:
    """Store one fault's figures (events in, effects out, lost, doubled, recovery seconds, notes)."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[fault] = {"fault": fault, **figures}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(data: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        "| fault | events in | effects out | lost | doubled | left unacked | HTTP retries | recovery (s) | what recovery measures |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data.values():
        rows.append(
            f"| {r['fault']} | {r['events_in']} | {r['effects_out']} | {r['lost']} | {r['doubled']} | "
            f"{r.get('left_unacked', '-')} | "
            f"{r.get('http_retries', 0)} | {_seconds(r.get('recovery_seconds'))} | {r.get('recovery', '')} |"
        )
    return rows


def render() -> None:
    if not RESULTS.exists() or not DOC.exists():
        return
    rows = table(json.loads(RESULTS.read_text()))
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n" + "\n".join(rows) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    render()
