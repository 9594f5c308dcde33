"""fleet: a customer incident is worked as one: its assignee, §4.2 steps with who and when, and its resolution

Revision ID: 0028_fleet_incident_work
Revises: 0027_document_jobs
Create Date: 2026-11-24 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0028_fleet_incident_work"
down_revision: str | None = "0027_document_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STEPS = ("acknowledged", "diagnosed", "customer_contacted", "reported")


def upgrade() -> None:
    with op.batch_alter_table("fleet_incident") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_fleet_incident_assignee_id_identity_user"),
            "identity_user",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
        for step in STEPS:
            batch.add_column(sa.Column(f"{step}_at", UTCDateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column(f"{step}_by", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("resolved_by", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("resolution", sa.Text(), server_default="", nullable=False))
    # Incidents closed before people could work them were closed by their terminals' recovery.
    op.execute("UPDATE fleet_incident SET resolved_by = 'system' WHERE status = 'resolved'")


def downgrade() -> None:
    with op.batch_alter_table("fleet_incident") as batch:
        for column in ("resolution", "resolved_by", *(f"{s}_{p}" for s in reversed(STEPS) for p in ("by", "at"))):
            batch.drop_column(column)
        batch.drop_constraint(op.f("fk_fleet_incident_assignee_id_identity_user"), type_="foreignkey")
        batch.drop_column("assignee_id")
