"""entry_logs: a nursery's standard hours and extended-care unit from a date on (延長保育)

Revision ID: 0049_entry_logs_care_hours
Revises: 0048_entry_logs_pickup
Create Date: 2026-11-26 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0049_entry_logs_care_hours"
down_revision: str | None = "0048_entry_logs_pickup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_logs_care_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("opening_time", sa.Time(), nullable=False),
        sa.Column("closing_time", sa.Time(), nullable=False),
        sa.Column("unit_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("opening_time < closing_time", name=op.f("ck_entry_logs_care_hours_hours")),
        sa.CheckConstraint("unit_minutes > 0", name=op.f("ck_entry_logs_care_hours_unit_minutes")),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_care_hours_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_care_hours")),
        sa.UniqueConstraint(
            "nursery_id", "effective_from", name=op.f("uq_entry_logs_care_hours_nursery_id_effective_from")
        ),
    )


def downgrade() -> None:
    op.drop_table("entry_logs_care_hours")
