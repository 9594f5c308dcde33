"""loaners: where the rotation put each device's archived rows, since when each device has its held status (filled
from the submissions), and the weekly 返却待ち digest's claims

Revision ID: 0045_loaners_returns
Revises: 0044_crm_status_times
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0045_loaners_returns"
down_revision: str | None = "0044_crm_status_times"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The start of each device's unbroken run of answers in custody with its current held status (status_age.py).
LAST_BREAK = """(SELECT MAX(b.submitted_at) FROM loaners_submission b WHERE b.device_id = loaners_device.id
    AND (NOT b.in_custody OR b.held_status IS NULL OR b.held_status <> loaners_device.held_status))"""
STATUS_SINCE = f"""
UPDATE loaners_device SET held_status_since = (
    SELECT MIN(run.submitted_at) FROM loaners_submission run
    WHERE run.device_id = loaners_device.id AND ({LAST_BREAK} IS NULL OR run.submitted_at > {LAST_BREAK}))
WHERE held_since IS NOT NULL AND held_status IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("loaners_device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_status_since", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_loaners_device_status_age",
            ["held_status", "held_status_since", "id", "location_id"],
            unique=False,
            postgresql_where=sa.text("held_status_since IS NOT NULL"),
            sqlite_where=sa.text("held_status_since IS NOT NULL"),
        )
    op.execute(STATUS_SINCE)
    op.create_table(
        "loaners_archive_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("byte_offset", sa.BigInteger(), nullable=False),
        sa.Column("byte_length", sa.Integer(), nullable=False),
        sa.Column("first_device_id", sa.Integer(), nullable=False),
        sa.Column("last_device_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["loaners_rotation.id"],
            name=op.f("fk_loaners_archive_block_rotation_id_loaners_rotation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loaners_archive_block")),
    )
    op.create_index("ix_loaners_archive_block_devices", "loaners_archive_block", ["first_device_id", "last_device_id"])
    op.create_index(op.f("ix_loaners_archive_block_rotation_id"), "loaners_archive_block", ["rotation_id"])
    op.create_table(
        "loaners_return_digest",
        sa.Column("location_id", sa.String(length=20), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("devices", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["loaners_location.id"],
            name=op.f("fk_loaners_return_digest_location_id_loaners_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "week_start", name=op.f("pk_loaners_return_digest")),
    )


def downgrade() -> None:
    with op.batch_alter_table("loaners_device", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_loaners_device_status_age",
            postgresql_where=sa.text("held_status_since IS NOT NULL"),
            sqlite_where=sa.text("held_status_since IS NOT NULL"),
        )
        batch_op.drop_column("held_status_since")
    op.drop_table("loaners_return_digest")
    op.drop_index(op.f("ix_loaners_archive_block_rotation_id"), table_name="loaners_archive_block")
    op.drop_index("ix_loaners_archive_block_devices", table_name="loaners_archive_block")
    op.drop_table("loaners_archive_block")
