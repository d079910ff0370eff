"""Who is asking: the boards they may see and, for a participant, who they are. Built by the HTTP
layer from the token; the use cases scope every read and write with it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.evaluation.domain.engagement import Hub


@dataclass(frozen=True)
class Caller:
    boards: Sequence[str] | None  # None: every board (province staff)
    participant_id: uuid.UUID | None = None
    staff: bool = False  # a coordinator or province staff

    def sees_board(self, board: str) -> bool:
        return self.boards is None or board in self.boards

    def takes_part_in(self, hub: Hub) -> bool:
        return self.participant_id is not None and self.participant_id in hub.people

    def may_write_harvest(self, hub: Hub) -> bool:
        return self.sees_board(hub.board) and (self.staff or self.takes_part_in(hub))
