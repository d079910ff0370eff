"""Render the fault results of the last run into docs/reliability.md (between markers)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.faults.harness import RESULTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
BEGIN, END = "<!-- fault-results:begin -->", "<!-- fault-results:end -->"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render() -> None:
    files = sorted(RESULTS.glob("*.json")) if RESULTS.exists() else []
    if not files or not DOC.exists():
        return
    rows = [
        "| fault | events in | known to matching | welcome emails | duplicates | lost | outbox pending | left in queues | dead letters | HTTP retries | recovery (s) | stream (s) | drain (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in files:
        r = json.loads(path.read_text())
        rows.append(
            f"| {r['fault']} | {r['events_in']} | {r['known_to_matching']} | {r['welcome_emails']} | "
            f"{r['duplicate_emails']} | {r['lost']} | {r['outbox_pending']} | {sum(r['queue_depths'].values())} | "
            f"{sum(r['dead_letters'].values())} | {sum(r['http_errors'].values())} | "
            f"{_seconds(r.get('recovery_seconds'))} | {_seconds(r.get('stream_seconds'))} | "
            f"{_seconds(r.get('drain_seconds'))} |"
        )
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n" + "\n".join(rows) + f"\n{END}{tail}", encoding="utf-8")
