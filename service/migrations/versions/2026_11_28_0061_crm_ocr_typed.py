"""crm: a field the operator typed on a bill OCR read counts in OCR採用率 as not adopted: its review has no proposal
(`crm_ocr_review.proposed` and `confidence` empty)

Revision ID: 0061_crm_ocr_typed
Revises: 0060_entry_logs_roster_kana
Create Date: 2026-11-28 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0061_crm_ocr_typed"
down_revision: str | None = "0060_entry_logs_roster_kana"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_ocr_review") as batch:
        batch.alter_column("proposed", existing_type=sa.String(length=200), nullable=True)
        batch.alter_column("confidence", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM crm_ocr_review WHERE proposed IS NULL")
    with op.batch_alter_table("crm_ocr_review") as batch:
        batch.alter_column("proposed", existing_type=sa.String(length=200), nullable=False)
        batch.alter_column("confidence", existing_type=sa.Float(), nullable=False)
