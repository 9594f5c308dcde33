"""platform: tasks a committed request asked for, kept until the broker takes them (service/broker.py)

Revision ID: 0010_pending_tasks
Revises: 0009_reservations_call_date
Create Date: 2026-11-21 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.database

revision: str = "0010_pending_tasks"
down_revision: str | None = "0009_reservations_call_date"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_pending_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column(
            "args", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_pending_task")),
    )


def downgrade() -> None:
    op.drop_table("platform_pending_task")
