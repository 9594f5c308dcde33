"""crm: the times a request's statuses take — since when it is in its status, when it closed, its time in 不備

Existing requests are given their times from what their history shows: a 不備 request is 不備 since its latest
deficiency, an open one 対応中 since its latest resubmission (else since it was made), a 投入済 one since its last
site's 投入完了, a cancelled one since its cancellation; its earlier time in 不備 runs from the first deficiency after
each resubmission (or the start) to that resubmission.

Revision ID: 0044_crm_status_times
Revises: 0043_crm_assignment
Create Date: 2026-11-26 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime
from service.dialect import epoch

revision: str = "0044_crm_status_times"
down_revision: str | None = "0043_crm_assignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST = sa.table(
    "crm_request",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
    sa.column("cancelled_at", UTCDateTime),
    sa.column("status_since", UTCDateTime),
    sa.column("closed_at", UTCDateTime),
    sa.column("deficient_seconds", sa.Integer),
)
COMMENT = sa.table(
    "crm_comment",
    sa.column("id", sa.Integer),
    sa.column("request_id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("created_at", UTCDateTime),
)
SUBMITTED = "status = 'submitted'"
SITE = sa.table("crm_site", sa.column("request_id", sa.Integer), sa.column("submitted_at", UTCDateTime))


def _latest(kind: str) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.max(COMMENT.c.created_at))
        .where(COMMENT.c.request_id == REQUEST.c.id, COMMENT.c.type == kind)
        .scalar_subquery()
    )


def _status_since() -> sa.Case:
    last_site = sa.select(sa.func.max(SITE.c.submitted_at)).where(SITE.c.request_id == REQUEST.c.id).scalar_subquery()
    return sa.case(
        (REQUEST.c.status == "deficient", sa.func.coalesce(_latest("deficiency"), REQUEST.c.updated_at)),
        (REQUEST.c.status == "in_progress", sa.func.coalesce(_latest("resubmission"), REQUEST.c.created_at)),
        (REQUEST.c.status == "submitted", sa.func.coalesce(last_site, REQUEST.c.updated_at)),
        else_=sa.func.coalesce(REQUEST.c.cancelled_at, REQUEST.c.updated_at),
    )


def _deficient_seconds() -> sa.ColumnElement:
    """Each resubmission's wait since the first deficiency after the resubmission before it."""
    resubmission, earlier, deficiency = COMMENT.alias("resubmission"), COMMENT.alias("earlier"), COMMENT.alias("d")
    previous = (
        sa.select(sa.func.max(earlier.c.id))
        .where(
            earlier.c.request_id == resubmission.c.request_id,
            earlier.c.type == "resubmission",
            earlier.c.id < resubmission.c.id,
        )
        .correlate(resubmission)  # two levels up
        .scalar_subquery()
    )
    started = (
        sa.select(sa.func.min(deficiency.c.created_at))
        .where(
            deficiency.c.request_id == resubmission.c.request_id,
            deficiency.c.type == "deficiency",
            deficiency.c.id < resubmission.c.id,
            deficiency.c.id > sa.func.coalesce(previous, 0),
        )
        .scalar_subquery()
    )
    waited = (
        sa.select(sa.func.sum(epoch(resubmission.c.created_at) - epoch(started)))
        .where(resubmission.c.request_id == REQUEST.c.id, resubmission.c.type == "resubmission")
        .scalar_subquery()
    )
    return sa.cast(sa.func.coalesce(waited, 0), sa.Integer)


def upgrade() -> None:
    """Columns added in place (no copy of the table on SQLite, which its sites, images and comments refer to); the
    defaults they are added with are overwritten at once (new requests get theirs from the service)."""
    op.add_column(
        "crm_request",
        sa.Column(
            "status_since", UTCDateTime(timezone=True), nullable=False, server_default="1970-01-01 00:00:00+00:00"
        ),
    )
    op.add_column("crm_request", sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("crm_request", sa.Column("deficient_seconds", sa.Integer(), nullable=False, server_default="0"))
    op.execute(sa.update(REQUEST).values(status_since=_status_since(), deficient_seconds=_deficient_seconds()))
    closed = REQUEST.c.status.in_(("submitted", "cancelled"))
    op.execute(sa.update(REQUEST).where(closed).values(closed_at=REQUEST.c.status_since))
    op.create_index(
        "ix_crm_request_submitted_span",
        "crm_request",
        ["agency_id", "created_at", "closed_at", "id"],
        unique=False,
        postgresql_where=sa.text(SUBMITTED),
        sqlite_where=sa.text(SUBMITTED),
    )


def downgrade() -> None:
    op.drop_index("ix_crm_request_submitted_span", table_name="crm_request", postgresql_where=sa.text(SUBMITTED))
    op.drop_column("crm_request", "deficient_seconds")
    op.drop_column("crm_request", "closed_at")
    op.drop_column("crm_request", "status_since")
