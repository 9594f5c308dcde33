"""fleet: escalations, a §4.2 step of an open alert or incident past due told to the support leads once

Revision ID: 0029_fleet_escalations
Revises: 0028_fleet_incident_work
Create Date: 2026-11-24 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0029_fleet_escalations"
down_revision: str | None = "0028_fleet_incident_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(alert_id IS NULL) <> (incident_id IS NULL)", name=op.f("ck_fleet_escalation_one_subject")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["fleet_alert.id"], name=op.f("fk_fleet_escalation_alert_id_fleet_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["fleet_customer.id"],
            name=op.f("fk_fleet_escalation_customer_id_fleet_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["fleet_incident.id"],
            name=op.f("fk_fleet_escalation_incident_id_fleet_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_escalation")),
        sa.UniqueConstraint("alert_id", "step", name=op.f("uq_fleet_escalation_alert_id_step")),
        sa.UniqueConstraint("incident_id", "step", name=op.f("uq_fleet_escalation_incident_id_step")),
    )
    op.create_index(op.f("ix_fleet_escalation_customer_id"), "fleet_escalation", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fleet_escalation_customer_id"), table_name="fleet_escalation")
    op.drop_table("fleet_escalation")
