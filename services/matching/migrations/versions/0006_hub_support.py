"""Board coaches and consultants supporting hubs (standing decisions of kind ``coach``), and a
board's choice to hold late joiners for the coordinator's review instead of placing them at once.

Revision ID: 0006_hub_support
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_hub_support"
down_revision = "0005_readiness"
branch_labels = None
depends_on = None

KINDS = ("member", "leader", "not_leader", "pairing", "unpaired")


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint("ck_decision_kind", "standing_decisions", type_="check")
    op.create_check_constraint(
        "ck_decision_kind", "standing_decisions", "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
    )


def upgrade() -> None:
    _kinds((*KINDS, "coach"))
    # One assignment per coach and hub; a hub's coaches are read with the hub.
    op.create_index(
        "uq_standing_decisions_coach",
        "standing_decisions",
        ["hub_id", "participant_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'coach'"),
    )
    op.add_column(
        "board_policies",
        sa.Column("hold_late_joiners", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("board_policies", "hold_late_joiners")
    op.drop_index("uq_standing_decisions_coach", table_name="standing_decisions")
    op.execute("DELETE FROM standing_decisions WHERE kind = 'coach'")
    _kinds(KINDS)
