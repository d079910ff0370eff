"""Row-level security: every board-scoped table held to the board set per transaction by the unit of
work (province staff and the service's own machinery through explicit scopes), and the runtime role
registration's processes log in as, which may read and write rows but owns nothing (shared/rls.py).
"""

from alembic import op

from shared import rls

revision = "0007_row_level_security"
down_revision = "0006_steering_committee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.protect_board_tables(op)
    rls.protect_child_table(op, "program_phases", parent="program_years", columns={"program_year_id": "id"})
    for child in ("import_errors", "import_files"):
        rls.protect_child_table(op, child, parent="imports", columns={"import_id": "id"})
    for child in ("steering_committee_members", "steering_committee_meetings"):
        rls.protect_child_table(op, child, parent="steering_committees", columns={"committee_id": "id"})
    rls.grant_runtime_role(op, "registration")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "registration")
    rls.unprotect_all(op)
