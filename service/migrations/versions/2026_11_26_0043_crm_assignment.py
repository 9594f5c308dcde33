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
    with op.batch_alter_table("crm_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_crm_request_assigned_to_identity_user"),
            "identity_user",
            ["assigned_to"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_crm_request_assigned_to", ["assigned_to"], unique=False)
        batch_op.create_index(
            "ix_crm_request_unassigned",
            ["created_at", "id"],
            unique=False,
            postgresql_where=sa.text(UNASSIGNED),
            sqlite_where=sa.text(UNASSIGNED),
        )


def downgrade() -> None:
    with op.batch_alter_table("crm_request", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_request_unassigned", postgresql_where=sa.text(UNASSIGNED))
        batch_op.drop_index("ix_crm_request_assigned_to")
        batch_op.drop_constraint(batch_op.f("fk_crm_request_assigned_to_identity_user"), type_="foreignkey")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
