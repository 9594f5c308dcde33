"""crm: OCR of statement images: the page each was read on (`crm_image.ocr_page_path`), and what the operator did
with each proposal (`crm_ocr_review`)

Revision ID: 0052_crm_ocr
Revises: 0051_booking_quotas
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.database import UTCDateTime

revision: str = "0052_crm_ocr"
down_revision: str | None = "0051_booking_quotas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_image", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocr_page_path", sa.String(length=200), nullable=True))
    op.create_table(
        "crm_ocr_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("proposed", sa.String(length=200), nullable=False),
        sa.Column("saved", sa.String(length=200), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["crm_agency.id"], name=op.f("fk_crm_ocr_review_agency_id_crm_agency"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["crm_site.id"], name=op.f("fk_crm_ocr_review_site_id_crm_site"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["crm_image.id"], name=op.f("fk_crm_ocr_review_image_id_crm_image"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["identity_user.id"],
            name=op.f("fk_crm_ocr_review_reviewed_by_identity_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_ocr_review")),
    )
    with op.batch_alter_table("crm_ocr_review", schema=None) as batch_op:
        batch_op.create_index("ix_crm_ocr_review_agency_reviewed", ["agency_id", "reviewed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("crm_ocr_review")
    with op.batch_alter_table("crm_image", schema=None) as batch_op:
        batch_op.drop_column("ocr_page_path")
