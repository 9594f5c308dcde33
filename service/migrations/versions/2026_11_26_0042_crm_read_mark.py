"""crm: 未読 per person — each person's read mark per request replaces the comment's one flag per side

Today's read state is kept: a comment its side had read stays read for the people who could have read it — the
request's sales person for what was addressed to the sales side, every back-office user (CRM operators and admins,
platform admins) for what was addressed to the back office.

Revision ID: 0042_crm_read_mark
Revises: 0041_fleet_saved_view
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0042_crm_read_mark"
down_revision: str | None = "0041_fleet_saved_view"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACK_OFFICE_USERS = (
    "SELECT DISTINCT user_id FROM identity_grant"
    " WHERE (domain = 'crm' AND role IN ('operator', 'admin')) OR (domain = 'platform' AND role = 'admin')"
)
READ_BY_SIDE = (
    "SELECT r.requested_by AS user_id, c.request_id, c.id FROM crm_comment c"
    " JOIN crm_request r ON r.id = c.request_id WHERE c.audience = 'sales' AND c.is_read"
    " UNION ALL "
    f"SELECT u.user_id, c.request_id, c.id FROM crm_comment c CROSS JOIN ({BACK_OFFICE_USERS}) u"
    " WHERE c.audience = 'back_office' AND c.is_read"
)


def upgrade() -> None:
    op.create_table(
        "crm_read_mark",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("read_through", sa.Integer(), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["crm_request.id"], name=op.f("fk_crm_read_mark_request_id_crm_request"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["identity_user.id"], name=op.f("fk_crm_read_mark_user_id_identity_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "request_id", name=op.f("pk_crm_read_mark")),
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO crm_read_mark (user_id, request_id, read_through, read_at)"
            f" SELECT user_id, request_id, max(id), :now FROM ({READ_BY_SIDE}) AS read GROUP BY user_id, request_id"
        ),
        {"now": datetime.now(UTC)},
    )
    # in place (no copy of the table on SQLite, whose notifications would go with the old one)
    op.drop_index("ix_crm_comment_unread", table_name="crm_comment", postgresql_where=sa.text("NOT is_read"))
    op.drop_column("crm_comment", "is_read")
    op.create_index("ix_crm_comment_request_audience", "crm_comment", ["request_id", "audience", "id"], unique=False)


def downgrade() -> None:
    """A comment counts as read by its side again when anyone has read it."""
    op.drop_index("ix_crm_comment_request_audience", table_name="crm_comment")
    op.add_column("crm_comment", sa.Column("is_read", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE crm_comment SET is_read = true WHERE EXISTS (SELECT 1 FROM crm_read_mark m"
        " WHERE m.request_id = crm_comment.request_id AND m.read_through >= crm_comment.id)"
    )
    op.create_index(
        "ix_crm_comment_unread",
        "crm_comment",
        ["request_id", "audience"],
        unique=False,
        postgresql_where=sa.text("NOT is_read"),
        sqlite_where=sa.text("NOT is_read"),
    )
    op.drop_table("crm_read_mark")
