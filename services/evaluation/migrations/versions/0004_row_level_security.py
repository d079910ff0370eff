"""Row-level security: every board-scoped table held to the board set per transaction by the unit of
work (province staff and the service's own machinery through explicit scopes), and the runtime role
evaluation's processes log in as, which may read and write rows but owns nothing (shared/rls.py).
"""

from alembic import op

from shared import rls

revision = "0004_row_level_security"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.protect_board_tables(op)
    rls.protect_child_table(op, "survey_salts", parent="surveys", columns={"survey_id": "id"})
    rls.grant_runtime_role(op, "evaluation")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "evaluation")
    rls.unprotect_all(op)
