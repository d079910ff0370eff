"""Bulk imports (queued files, progress, per-row errors) and SCIM bookkeeping on participants.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), sa.ForeignKey("boards.code"), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255)),
        sa.Column("program_year", sa.String(9)),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("submitted_by", sa.String(200)),
        # queued → running → completed | failed
        sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("encoding", sa.String(20)),
        sa.Column("total_rows", sa.Integer),
        # Progress cursor: rows before it are committed; a resumed import starts here.
        sa.Column("next_row", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("withdrawn_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("schools_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_imports_board_created", "imports", ["board", "created_at"])
    # The uploaded bytes, apart from the import row so status reads never load them. A row here
    # means "work to do": workers claim it FOR UPDATE SKIP LOCKED and delete it when done.
    op.create_table(
        "import_files",
        sa.Column(
            "import_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "import_errors",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "import_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file", sa.String(100)),
        sa.Column("row", sa.Integer),
        sa.Column("column", sa.String(100)),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_import_errors_import", "import_errors", ["import_id", "id"])

    op.add_column("participants", sa.Column("external_id", sa.String(200)))
    # Set when a SCIM client DELETEs the user: the participant is withdrawn (history kept) and the
    # SCIM resource answers 404 from then on, as RFC 7644 §3.6 asks.
    op.add_column("participants", sa.Column("deprovisioned_at", sa.DateTime(timezone=True)))
    # SCIM looks people up by externalId and case-insensitive userName (the HR id). These indexes
    # deliberately do not start with board: the unique (board, program_year, hr_id) index must be
    # the only one an import's per-row lookup can use, even before the table has statistics (a
    # board-led index would turn each lookup into a scan of the whole board). For the same reason
    # the plain board index of 0001 goes: the unique index serves board filters as well.
    op.create_index(
        "ix_participants_external_id",
        "participants",
        ["external_id"],
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index("ix_participants_lower_hr_id", "participants", [sa.text("lower(hr_id)")])
    op.drop_index("ix_participants_board", table_name="participants")


def downgrade() -> None:
    op.create_index("ix_participants_board", "participants", ["board"])
    op.drop_index("ix_participants_lower_hr_id", table_name="participants")
    op.drop_index("ix_participants_external_id", table_name="participants")
    op.drop_column("participants", "deprovisioned_at")
    op.drop_column("participants", "external_id")
    op.drop_table("import_errors")
    op.drop_table("import_files")
    op.drop_table("imports")
