"""The runtime role the console logs in as: reads and writes its sessions, owns nothing
(shared/rls.py). The console holds no board's data, so no row-level security policy."""

from alembic import op

from shared import rls

revision = "0002_runtime_role"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.grant_runtime_role(op, "console")


def downgrade() -> None:
    rls.revoke_runtime_role(op, "console")
