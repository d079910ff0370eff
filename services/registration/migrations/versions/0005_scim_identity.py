"""SCIM: which attribute carries a board's HR identifier, and what a provider sent beyond
Mentorweb's own columns (userName, employeeNumber when it is not the HR id, phone numbers ...).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Boards provisioning already had userName as their HR identifier: they keep that contract;
    # boards created from now on default to employeeNumber.
    op.add_column(
        "boards", sa.Column("scim_identity", sa.String(20), nullable=False, server_default="userName")
    )
    op.alter_column("boards", "scim_identity", server_default="employeeNumber")
    op.add_column("participants", sa.Column("scim_resource", postgresql.JSONB))


def downgrade() -> None:
    op.drop_column("participants", "scim_resource")
    op.drop_column("boards", "scim_identity")
