"""Row-level security: every board-scoped table held to the board set per transaction by the unit of
work (province staff and the service's own machinery through explicit scopes), and the runtime role
matching's processes log in as, which may read and write rows but owns nothing (shared/rls.py).
"""

from alembic import op

from shared import rls

revision = "0007_row_level_security"
down_revision = "0006_hub_support"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.protect_board_tables(op)
    rls.grant_runtime_role(op, "matching")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "matching")
    rls.unprotect_all(op)
