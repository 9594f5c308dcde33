"""entry_logs: roster imports, run by a job in batches with their progress and rejected rows

Revision ID: 0026_entry_logs_roster_imports
Revises: 0025_identity_deactivated_at
Create Date: 2026-11-24 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.database

revision: str = "0026_entry_logs_roster_imports"
down_revision: str | None = "0025_identity_deactivated_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "entry_logs_roster_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("parents_created", sa.Integer(), nullable=False),
        sa.Column("children_created", sa.Integer(), nullable=False),
        sa.Column("links_created", sa.Integer(), nullable=False),
        sa.Column("rejected_rows", sa.Integer(), nullable=False),
        sa.Column("rejected", JSON, nullable=False),
        sa.Column("actor", JSON, nullable=False),
        sa.Column("pending_task_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_roster_import_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_roster_import")),
    )
    op.create_index(
        op.f("ix_entry_logs_roster_import_nursery_id"), "entry_logs_roster_import", ["nursery_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_entry_logs_roster_import_nursery_id"), table_name="entry_logs_roster_import")
    op.drop_table("entry_logs_roster_import")
