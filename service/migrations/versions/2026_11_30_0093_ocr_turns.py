"""a statement image waits for its read as database state, not as a message per image: when it was queued, when its
last read started (its agency's turn), until when a reader holds it, how many reads started (service/crm/ocr/turns.py);
the images waiting when this runs keep their place, by upload

Revision ID: 0093_ocr_turns
Revises: 0092_import_steps_rest
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.database import UTCDateTime

revision: str = "0093_ocr_turns"
down_revision: str | None = "0092_import_steps_rest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WAITING = sa.text("ocr_queued_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("crm_image", sa.Column("ocr_queued_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("crm_image", sa.Column("ocr_started_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("crm_image", sa.Column("ocr_lease_until", UTCDateTime(timezone=True), nullable=True))
    op.add_column("crm_image", sa.Column("ocr_attempts", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_index(
        "ix_crm_image_ocr_waiting",
        "crm_image",
        ["ocr_queued_at", "id"],
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )
    op.create_index("ix_crm_image_agency_ocr_started", "crm_image", ["agency_id", "ocr_started_at"])
    image = sa.table("crm_image", sa.column("ocr_result", JSON), sa.column("uploaded_at"), sa.column("ocr_queued_at"))
    op.execute(
        image.update()
        .where(image.c.ocr_result["status"].as_string() == "pending")
        .values(ocr_queued_at=image.c.uploaded_at)
    )


def downgrade() -> None:
    op.drop_index("ix_crm_image_agency_ocr_started", table_name="crm_image")
    op.drop_index("ix_crm_image_ocr_waiting", table_name="crm_image")
    with op.batch_alter_table("crm_image") as batch:
        batch.drop_column("ocr_attempts")
        batch.drop_column("ocr_lease_until")
        batch.drop_column("ocr_started_at")
        batch.drop_column("ocr_queued_at")
