"""Hub meetings as the workflow needs them: a hub's future meetings, locked for a change."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.meeting_tables import HubMeetingRow


async def future_meetings(
    session: AsyncSession, board: str, hub_ids: Collection[uuid.UUID], today: date
) -> list[HubMeetingRow]:
    """The scheduled meetings of these hubs from ``today`` on, locked, in day order."""
    if not hub_ids:
        return []
    rows = await session.execute(
        sa.select(HubMeetingRow)
        .where(
            HubMeetingRow.board == board,  # type: ignore[arg-type]
            HubMeetingRow.hub_id.in_(list(hub_ids)),  # type: ignore[attr-defined]
            HubMeetingRow.status == "scheduled",  # type: ignore[arg-type]
            HubMeetingRow.day >= today,  # type: ignore[arg-type]
        )
        .order_by(HubMeetingRow.day, HubMeetingRow.id)  # type: ignore[arg-type]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())
