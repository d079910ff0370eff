"""Row-level security: every board-scoped table held to the board set per transaction by the unit of
work (province staff and the service's own machinery through explicit scopes), and the runtime role
grants's processes log in as, which may read and write rows but owns nothing (shared/rls.py).
"""

from alembic import op

from shared import rls

revision = "0004_row_level_security"
down_revision = "0003_steering_committee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.protect_board_tables(op)
    for child in ("grant_audit", "grant_committee_members", "grant_expense_lines"):
        rls.protect_child_table(op, child, parent="grant_applications", columns={"application_id": "id"})
    rls.grant_runtime_role(op, "grants")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "grants")
    rls.unprotect_all(op)
