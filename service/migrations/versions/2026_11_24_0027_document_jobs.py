"""platform: documents made by a job (the barcode card PDF), their progress and their file (service/documents.py)

Revision ID: 0027_document_jobs
Revises: 0026_entry_logs_roster_imports
Create Date: 2026-11-24 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.database

revision: str = "0027_document_jobs"
down_revision: str | None = "0026_entry_logs_roster_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_document_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column(
            "params", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("pages_total", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_document_job")),
    )
    op.create_index(op.f("ix_platform_document_job_expires_at"), "platform_document_job", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_document_job_expires_at"), table_name="platform_document_job")
    op.drop_table("platform_document_job")
