"""fleet: customers' business hours, held offline alerts, store alerts, recurring maintenance windows

Revision ID: 0030_fleet_business_hours
Revises: 0029_fleet_escalations
Create Date: 2026-11-24 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.database import UTCDateTime

revision: str = "0030_fleet_business_hours"
down_revision: str | None = "0029_fleet_escalations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("fleet_customer") as batch:
        batch.add_column(sa.Column("opens_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("closes_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("closed_weekdays", JSON, server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.add_column(sa.Column("offline_alert_held", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("offline_alert_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_fleet_terminal_customer_store", "fleet_terminal", ["customer_id", "store_name"])
    held = sa.text("offline_alert_held")
    op.create_index(
        "ix_fleet_terminal_alert_held", "fleet_terminal", ["customer_id"], postgresql_where=held, sqlite_where=held
    )
    op.create_table(
        "fleet_maintenance_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("store_name", sa.String(length=100), nullable=False),
        sa.Column("recurrence", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("digested_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["fleet_customer.id"],
            name=op.f("fk_fleet_maintenance_window_customer_id_fleet_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_maintenance_window")),
    )
    op.create_index(
        op.f("ix_fleet_maintenance_window_customer_id"), "fleet_maintenance_window", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fleet_maintenance_window_customer_id"), table_name="fleet_maintenance_window")
    op.drop_table("fleet_maintenance_window")
    op.drop_index("ix_fleet_terminal_alert_held", table_name="fleet_terminal")
    op.drop_index("ix_fleet_terminal_customer_store", table_name="fleet_terminal")
    with op.batch_alter_table("fleet_terminal") as batch:
        batch.drop_column("offline_alert_at")
        batch.drop_column("offline_alert_held")
    with op.batch_alter_table("fleet_customer") as batch:
        batch.drop_column("closed_weekdays")
        batch.drop_column("opens_at")
        batch.drop_column("closes_at")
