"""Grant programs, applications (committee, expense lines), the audit trail and deadline extensions.

The budget is enforced here, not only in code: ``grant_programs.awarded_total`` is kept equal to the
sum awarded to its approved and paid applications by a trigger on ``grant_applications`` (same
transaction, whatever statement changed the application), and a CHECK keeps it within the budget.
Concurrent approvals serialise on the program row the trigger updates; the one that would overspend
fails with a check violation.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "under_review", "approved", "declined", "paid", "withdrawn")
STREAMS = ("beginning_teacher", "school_leadership")
ROLES = ("local", "district", "provincial_association")
CATEGORIES = ("release_time", "meeting_costs", "travel", "materials", "facilitator", "other")
MONEY = sa.Numeric(12, 2)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "grant_programs",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("program_year", sa.String(9), nullable=False),
        sa.Column("stream", sa.String(30), nullable=False),
        sa.Column("max_award", MONEY, nullable=False),
        sa.Column("budget", MONEY, nullable=False),
        sa.Column("awarded_total", MONEY, nullable=False, server_default="0"),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("custom_deadline", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("program_year", "stream", name="uq_grant_programs_year_stream"),
        sa.CheckConstraint(_one_of("stream", STREAMS), name="ck_grant_programs_stream"),
        sa.CheckConstraint("budget > 0", name="ck_grant_programs_budget_positive"),
        sa.CheckConstraint("max_award > 0 AND max_award <= budget", name="ck_grant_programs_max_award"),
        sa.CheckConstraint("awarded_total >= 0", name="ck_grant_programs_awarded_not_negative"),
        sa.CheckConstraint("awarded_total <= budget", name="ck_grant_programs_within_budget"),
    )
    op.create_table(
        "grant_applications",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("board", sa.String(40), nullable=False),
        sa.Column(
            "program_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("grant_programs.id"), nullable=False
        ),
        # Who applies within the board: '' for the board itself, else the association local's name
        # case-folded. One application per applicant, program year and stream (= program).
        sa.Column("applicant_key", sa.String(200), nullable=False),
        sa.Column("board_code", sa.String(40)),
        sa.Column("association_local", sa.String(200)),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("expected_mentees", sa.Integer, nullable=False),
        sa.Column("expected_mentors", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("requested_total", MONEY, nullable=False, server_default="0"),
        sa.Column("awarded_amount", MONEY),
        sa.Column("decline_reason", sa.Text),
        sa.Column("withdrawal_reason", sa.Text),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("board", "program_id", "applicant_key", name="uq_grant_applications_applicant"),
        sa.CheckConstraint(_one_of("state", STATES), name="ck_grant_applications_state"),
        sa.CheckConstraint("requested_total >= 0", name="ck_grant_applications_requested"),
        sa.CheckConstraint(
            "awarded_amount IS NULL OR (awarded_amount > 0 AND awarded_amount <= requested_total)",
            name="ck_grant_applications_award_within_request",
        ),
        sa.CheckConstraint(
            "(state IN ('approved', 'paid')) = (awarded_amount IS NOT NULL)",
            name="ck_grant_applications_award_when_approved",
        ),
    )
    op.create_index("ix_grant_applications_program_state", "grant_applications", ["program_id", "state"])
    op.create_index("ix_grant_applications_board", "grant_applications", ["board", "created_at"])
    op.create_table(
        "grant_committee_members",
        sa.Column(
            "application_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_applications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.CheckConstraint(_one_of("role", ROLES), name="ck_grant_committee_members_role"),
    )
    op.create_table(
        "grant_expense_lines",
        sa.Column(
            "application_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_applications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("incurred_on", sa.Date, nullable=False),
        sa.CheckConstraint(_one_of("category", CATEGORIES), name="ck_grant_expense_lines_category"),
        sa.CheckConstraint("amount > 0 AND amount <= 1000000", name="ck_grant_expense_lines_amount"),
    )
    op.create_table(
        "grant_audit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "application_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_applications.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "grant_extensions",
        sa.Column(
            "program_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_programs.id"),
            primary_key=True,
        ),
        sa.Column("board", sa.String(40), primary_key=True),
        sa.Column("applicant_key", sa.String(200), primary_key=True),
        sa.Column("association_local", sa.String(200)),
        sa.Column("extension_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text),
    )

    # awarded_total follows the applications: + the award when one becomes approved (or paid),
    # - it if one ever leaves those states; the program row's CHECK refuses an overspend.
    op.execute(
        """
        CREATE FUNCTION grant_track_awarded_total() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_amount numeric(12, 2) := 0;
            new_amount numeric(12, 2) := 0;
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN ('approved', 'paid') THEN
                old_amount := OLD.awarded_amount;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN ('approved', 'paid') THEN
                new_amount := NEW.awarded_amount;
            END IF;
            IF TG_OP = 'UPDATE' AND OLD.program_id = NEW.program_id THEN
                IF new_amount <> old_amount THEN
                    UPDATE grant_programs SET awarded_total = awarded_total + (new_amount - old_amount)
                    WHERE id = NEW.program_id;
                END IF;
                RETURN NULL;
            END IF;
            IF old_amount <> 0 THEN
                UPDATE grant_programs SET awarded_total = awarded_total - old_amount WHERE id = OLD.program_id;
            END IF;
            IF new_amount <> 0 THEN
                UPDATE grant_programs SET awarded_total = awarded_total + new_amount WHERE id = NEW.program_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER grant_applications_awarded_total "
        "AFTER INSERT OR UPDATE OF state, awarded_amount, program_id OR DELETE ON grant_applications "
        "FOR EACH ROW EXECUTE FUNCTION grant_track_awarded_total()"
    )
    # The audit trail is append-only: who moved an application, and when, is never rewritten.
    op.execute(
        """
        CREATE FUNCTION grant_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'grant_audit is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER grant_audit_append_only BEFORE UPDATE OR DELETE ON grant_audit "
        "FOR EACH ROW EXECUTE FUNCTION grant_audit_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS grant_audit_append_only ON grant_audit")
    op.execute("DROP TRIGGER IF EXISTS grant_applications_awarded_total ON grant_applications")
    for table in (
        "grant_extensions",
        "grant_audit",
        "grant_expense_lines",
        "grant_committee_members",
        "grant_applications",
        "grant_programs",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS grant_audit_append_only()")
    op.execute("DROP FUNCTION IF EXISTS grant_track_awarded_total()")
