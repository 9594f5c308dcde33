"""entry_logs: who may collect a child (restrictions, 「本日のみ」 passes), adults' photos, pick-up alerts

Revision ID: 0048_entry_logs_pickup
Revises: 0047_entry_logs_manual
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0048_entry_logs_pickup"
down_revision: str | None = "0047_entry_logs_manual"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_logs_parent_photo",
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_parent_photo_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["entry_logs_parent.id"],
            name=op.f("fk_entry_logs_parent_photo_parent_id_entry_logs_parent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", name=op.f("pk_entry_logs_parent_photo")),
    )
    with op.batch_alter_table("entry_logs_parent_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_logs_parent_photo_nursery_id"), ["nursery_id"], unique=False)

    op.create_table(
        "entry_logs_pickup_rule",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('restricted', 'one_day')", name=op.f("ck_entry_logs_pickup_rule_kind")),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["entry_logs_child.id"],
            name=op.f("fk_entry_logs_pickup_rule_child_id_entry_logs_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_pickup_rule_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["entry_logs_parent.id"],
            name=op.f("fk_entry_logs_pickup_rule_parent_id_entry_logs_parent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_entry_logs_pickup_rule")),
    )
    with op.batch_alter_table("entry_logs_pickup_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_logs_pickup_rule_nursery_id"), ["nursery_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entry_logs_pickup_rule_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "entry_logs_pickup_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("child_names", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["entry_logs_log.id"],
            name=op.f("fk_entry_logs_pickup_alert_log_id_entry_logs_log"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_pickup_alert_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["entry_logs_parent.id"],
            name=op.f("fk_entry_logs_pickup_alert_parent_id_entry_logs_parent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_pickup_alert")),
        sa.UniqueConstraint("log_id", name=op.f("uq_entry_logs_pickup_alert_log_id")),
    )
    with op.batch_alter_table("entry_logs_pickup_alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entry_logs_pickup_alert_nursery_open", ["nursery_id", "acknowledged_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entry_logs_pickup_alert_parent_id"), ["parent_id"], unique=False)

    with op.batch_alter_table("entry_logs_parent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relation", sa.String(length=50), server_default="", nullable=False))
        batch_op.add_column(sa.Column("pass_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("is_pass", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("pickup_check", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("photo_version", sa.Integer(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_parent", schema=None) as batch_op:
        batch_op.drop_column("photo_version")
        batch_op.drop_column("pickup_check")
        batch_op.drop_column("is_pass")
        batch_op.drop_column("pass_date")
        batch_op.drop_column("relation")

    with op.batch_alter_table("entry_logs_pickup_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_pickup_alert_parent_id"))
        batch_op.drop_index("ix_entry_logs_pickup_alert_nursery_open")

    op.drop_table("entry_logs_pickup_alert")
    with op.batch_alter_table("entry_logs_pickup_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_pickup_rule_parent_id"))
        batch_op.drop_index(batch_op.f("ix_entry_logs_pickup_rule_nursery_id"))

    op.drop_table("entry_logs_pickup_rule")
    with op.batch_alter_table("entry_logs_parent_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_parent_photo_nursery_id"))

    op.drop_table("entry_logs_parent_photo")
