"""reservations: the on-call rotation (by week or by day), its members and overrides, and the pages of 緊急/高
operations and Critical/High incidents with their escalation steps

Revision ID: 0053_resv_on_call
Revises: 0052_crm_ocr
Create Date: 2026-11-28 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0053_resv_on_call"
down_revision: str | None = "0052_crm_ocr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservations_oncall_rotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_oncall_rotation")),
    )
    op.create_table(
        "reservations_oncall_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("slack_user_id", sa.String(length=21), nullable=False),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["reservations_oncall_rotation.id"],
            name=op.f("fk_reservations_oncall_member_rotation_id_reservations_oncall_rotation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_reservations_oncall_member_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_oncall_member")),
        sa.UniqueConstraint("rotation_id", "position", name=op.f("uq_reservations_oncall_member_rotation_id_position")),
        sa.UniqueConstraint("rotation_id", "user_id", name=op.f("uq_reservations_oncall_member_rotation_id_user_id")),
    )
    with op.batch_alter_table("reservations_oncall_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_oncall_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reservations_oncall_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_reservations_oncall_override_user_id_identity_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_oncall_override")),
    )
    with op.batch_alter_table("reservations_oncall_override", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_oncall_override_days", ["end_date", "start_date"], unique=False)

    op.create_table(
        "reservations_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("next_step_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["reservations_incident.id"],
            name=op.f("fk_reservations_page_incident_id_reservations_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["reservations_manual_operation.id"],
            name=op.f("fk_reservations_page_operation_id_reservations_manual_operation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_page")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_reservations_page_incident_id")),
        sa.UniqueConstraint("operation_id", name=op.f("uq_reservations_page_operation_id")),
    )
    with op.batch_alter_table("reservations_page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_page_next_step_at"), ["next_step_at"], unique=False)

    op.create_table(
        "reservations_page_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("paged_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_by", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["reservations_page.id"],
            name=op.f("fk_reservations_page_step_page_id_reservations_page"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_user.id"],
            name=op.f("fk_reservations_page_step_user_id_identity_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations_page_step")),
        sa.UniqueConstraint("page_id", "step", name=op.f("uq_reservations_page_step_page_id_step")),
    )

    # What already waited before paging existed pages nobody: its page is there, with no step due.
    for subject, table, waiting in (
        ("operation_id", "reservations_manual_operation", "priority IN ('urgent', 'high') AND status = 'open'"),
        (
            "incident_id",
            "reservations_incident",
            "level IN ('critical', 'high') AND responded_at IS NULL AND recovered_at IS NULL",
        ),
    ):
        op.execute(
            f"INSERT INTO reservations_page ({subject}, next_step, acknowledged_by, created_at) "
            f"SELECT id, 0, '', created_at FROM {table} WHERE {waiting}"
        )


def downgrade() -> None:
    op.drop_table("reservations_page_step")
    with op.batch_alter_table("reservations_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_page_next_step_at"))

    op.drop_table("reservations_page")
    with op.batch_alter_table("reservations_oncall_override", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_oncall_override_days")

    op.drop_table("reservations_oncall_override")
    with op.batch_alter_table("reservations_oncall_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_oncall_member_user_id"))

    op.drop_table("reservations_oncall_member")
    op.drop_table("reservations_oncall_rotation")
