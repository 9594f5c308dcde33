"""platform: pending tasks kept until they ran (sent, started with a lease); document jobs drawn in chunks (their
parts, the last row drawn and the last to draw) and one active job per document; the roster import's own pending
task reference goes (its batches are pending tasks like any other)

Revision ID: 0038_docs_job_ledger
Revises: 0037_resv_support_inquiry
Create Date: 2026-11-25 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.database import UTCDateTime

revision: str = "0038_docs_job_ledger"
down_revision: str | None = "0037_resv_support_inquiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("platform_pending_task") as batch:
        batch.add_column(sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("platform_document_job") as batch:
        batch.add_column(sa.Column("parts", JSON, server_default="[]", nullable=False))
        batch.add_column(sa.Column("drawn_through", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_key", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("active_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("platform_document_job") as batch:
        batch.alter_column("parts", server_default=None)
        batch.alter_column("drawn_through", server_default=None)
    op.create_index(op.f("ix_platform_document_job_active_key"), "platform_document_job", ["active_key"], unique=True)
    with op.batch_alter_table("entry_logs_roster_import") as batch:
        batch.drop_column("pending_task_id")


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_roster_import") as batch:
        batch.add_column(sa.Column("pending_task_id", sa.Integer(), nullable=True))
    op.drop_index(op.f("ix_platform_document_job_active_key"), table_name="platform_document_job")
    with op.batch_alter_table("platform_document_job") as batch:
        batch.drop_column("active_key")
        batch.drop_column("last_key")
        batch.drop_column("drawn_through")
        batch.drop_column("parts")
    with op.batch_alter_table("platform_pending_task") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("sent_at")
