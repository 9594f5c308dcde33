"""entry logs: nurseries, parents, children, attendance, entry/exit logs and their hourly counts

Revision ID: 0003_entry_logs
Revises: 0001
Create Date: 2026-11-21 08:22:25.420760
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.database

revision: str = "0003_entry_logs"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_logs_nursery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("entry_exit_password_hash", sa.String(length=100), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_nursery")),
        sa.UniqueConstraint("code", name=op.f("uq_entry_logs_nursery_code")),
    )
    op.create_table(
        "entry_logs_hour_count",
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("hour_start", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("entry_type", sa.String(length=10), nullable=False),
        sa.Column("live_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_hour_count_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nursery_id", "hour_start", "entry_type", name=op.f("pk_entry_logs_hour_count")),
    )
    op.create_table(
        "entry_logs_child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("class_name", sa.String(length=50), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_child_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_child")),
    )
    with op.batch_alter_table("entry_logs_child", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_logs_child_nursery_id"), ["nursery_id"], unique=False)
    op.create_table(
        "entry_logs_parent",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_parent_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_parent")),
    )
    with op.batch_alter_table("entry_logs_parent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_logs_parent_nursery_id"), ["nursery_id"], unique=False)
    op.create_table(
        "entry_logs_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("attendance_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('present', 'absent')", name=op.f("ck_entry_logs_attendance_status")),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["entry_logs_child.id"],
            name=op.f("fk_entry_logs_attendance_child_id_entry_logs_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_attendance_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_attendance")),
        sa.UniqueConstraint(
            "child_id", "attendance_date", name=op.f("uq_entry_logs_attendance_child_id_attendance_date")
        ),
    )
    with op.batch_alter_table("entry_logs_attendance", schema=None) as batch_op:
        batch_op.create_index("ix_entry_logs_attendance_nursery_date", ["nursery_id", "attendance_date"], unique=False)
    op.create_table(
        "entry_logs_guardian",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["entry_logs_child.id"],
            name=op.f("fk_entry_logs_guardian_child_id_entry_logs_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["entry_logs_parent.id"],
            name=op.f("fk_entry_logs_guardian_parent_id_entry_logs_parent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("child_id", "parent_id", name=op.f("pk_entry_logs_guardian")),
    )
    with op.batch_alter_table("entry_logs_guardian", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_logs_guardian_parent_id"), ["parent_id"], unique=False)
    op.create_table(
        "entry_logs_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nursery_id", sa.Integer(), nullable=False),
        sa.Column("entry_type", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("client_scan_id", sa.String(length=64), nullable=True),
        sa.Column("deleted_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(length=100), nullable=True),
        sa.Column("delete_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("entry_type IN ('Entry', 'Exit')", name=op.f("ck_entry_logs_log_entry_type")),
        sa.ForeignKeyConstraint(
            ["nursery_id"],
            ["entry_logs_nursery.id"],
            name=op.f("fk_entry_logs_log_nursery_id_entry_logs_nursery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["entry_logs_parent.id"],
            name=op.f("fk_entry_logs_log_parent_id_entry_logs_parent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_logs_log")),
        sa.UniqueConstraint("nursery_id", "client_scan_id", name=op.f("uq_entry_logs_log_nursery_id_client_scan_id")),
    )
    with op.batch_alter_table("entry_logs_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entry_logs_log_nursery_occurred",
            ["nursery_id", "occurred_at", "id", "entry_type", "parent_id"],
            unique=False,
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index("ix_entry_logs_log_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_entry_logs_log_parent_occurred",
            ["parent_id", "occurred_at", "id", "entry_type", "nursery_id", "deleted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("entry_logs_log", schema=None) as batch_op:
        batch_op.drop_index("ix_entry_logs_log_parent_occurred")
        batch_op.drop_index("ix_entry_logs_log_occurred_at")
        batch_op.drop_index("ix_entry_logs_log_nursery_occurred")
    op.drop_table("entry_logs_log")
    with op.batch_alter_table("entry_logs_guardian", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_guardian_parent_id"))
    op.drop_table("entry_logs_guardian")
    with op.batch_alter_table("entry_logs_attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_entry_logs_attendance_nursery_date")
    op.drop_table("entry_logs_attendance")
    with op.batch_alter_table("entry_logs_parent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_parent_nursery_id"))
    op.drop_table("entry_logs_parent")
    with op.batch_alter_table("entry_logs_child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_logs_child_nursery_id"))
    op.drop_table("entry_logs_child")
    op.drop_table("entry_logs_hour_count")
    op.drop_table("entry_logs_nursery")
