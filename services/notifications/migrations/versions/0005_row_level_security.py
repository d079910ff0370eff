"""Row-level security: every board-scoped table held to the board set per transaction by the unit of
work (province staff and the service's own machinery through explicit scopes), and the runtime role
notifications's processes log in as, which may read and write rows but owns nothing (shared/rls.py).
"""

from alembic import op

from shared import rls

revision = "0005_row_level_security"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.protect_board_tables(op)
    rls.grant_runtime_role(op, "notifications")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "notifications")
    rls.unprotect_all(op)
