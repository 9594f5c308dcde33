"""crm: the input team's assignee of a request (「次の依頼を担当」, an admin's reassignment)

Revision ID: 0043_crm_assignment
Revises: 0042_crm_read_mark
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0043_crm_assignment"
down_revision: str | None = "0042_crm_read_mark"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNASSIGNED = "status = 'in_progress' AND assigned_to IS NULL"


def upgrade() -> None:
    """Columns added in place (no copy of the table on SQLite, which its sites, images and comments refer to): the
    assignee's foreign key is a column constraint, which both databases take in ADD COLUMN."""
    op.execute(
        "ALTER TABLE crm_request ADD COLUMN assigned_to INTEGER CONSTRAINT fk_crm_request_assigned_to_identity_user"
        " REFERENCES identity_user (id)"
    )
    op.add_column("crm_request", sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_crm_request_assigned_to", "crm_request", ["assigned_to"], unique=False)
    op.create_index(
        "ix_crm_request_unassigned",
        "crm_request",
        ["created_at", "id"],
        unique=False,
        postgresql_where=sa.text(UNASSIGNED),
        sqlite_where=sa.text(UNASSIGNED),
    )


def downgrade() -> None:
    op.drop_index("ix_crm_request_unassigned", table_name="crm_request", postgresql_where=sa.text(UNASSIGNED))
    op.drop_index("ix_crm_request_assigned_to", table_name="crm_request")
    op.drop_column("crm_request", "assigned_at")
    op.drop_column("crm_request", "assigned_to")  # its foreign key goes with it
