"""A participant's journey across services, read from each service's outbox, inbox and delivery log.

An operator tool: it reads the services' databases directly (read-only) and prints ids, event types,
timestamps and trace ids — no personal data.
"""

from __future__ import annotations

import asyncpg

from shared.migrations import SERVICES
from shared.wakeup import asyncpg_dsn
from tools.services import settings_for


def _trace_id(headers: dict[str, str] | str | None) -> str:
    import json

    if isinstance(headers, str):
        headers = json.loads(headers)
    parent = (headers or {}).get("traceparent", "") if isinstance(headers, dict) else ""
    parts = parent.split("-")
    return parts[1] if len(parts) == 4 else "-"


async def _connect(service: str) -> asyncpg.Connection:
    # An operator's tool, across boards: the system scope of row-level security (shared/rls.py).
    return await asyncpg.connect(
        asyncpg_dsn(settings_for(service).database_url), timeout=5, server_settings={"app.scope": "system"}
    )


async def collect(participant_id: str) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    events: dict[str, str] = {}
    for service in SERVICES:
        conn = await _connect(service)
        try:
            for record in await conn.fetch(
                "SELECT event_id, event_type, headers, created_at, state FROM outbox "
                "WHERE convert_from(body, 'UTF8') LIKE '%' || $1 || '%' ORDER BY id",
                participant_id,
            ):
                trace = _trace_id(record["headers"])
                events[str(record["event_id"])] = trace
                rows.append(
                    (
                        record["created_at"].isoformat(timespec="seconds"),
                        service,
                        f"published {record['event_type']} ({record['state']})",
                        str(record["event_id"]),
                        trace,
                    )
                )
        finally:
            await conn.close()
    for service in SERVICES:
        conn = await _connect(service)
        try:
            for record in await conn.fetch(
                "SELECT event_id, event_type, handled_at FROM inbox WHERE event_id = ANY($1::uuid[])",
                list(events),
            ):
                rows.append(
                    (
                        record["handled_at"].isoformat(timespec="seconds"),
                        service,
                        f"handled {record['event_type']}",
                        str(record["event_id"]),
                        events[str(record["event_id"])],
                    )
                )
            if service == "notifications":
                for record in await conn.fetch(
                    "SELECT event_id, template, state, created_at FROM notifications WHERE recipient_id = $1::uuid",
                    participant_id,
                ):
                    rows.append(
                        (
                            record["created_at"].isoformat(timespec="seconds"),
                            service,
                            f"email {record['template']}: {record['state']}",
                            str(record["event_id"]),
                            events.get(str(record["event_id"]), "-"),
                        )
                    )
        finally:
            await conn.close()
    return sorted(rows)
