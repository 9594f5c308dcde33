"""crm: OCR's label words, a choice kind per field the reader finds by its label (ocr_customer_number …), kept on the
マスタ page; seeded with service.crm.masters.OCR_LABELS

Revision ID: 0070_ocr_labels
Revises: 0071_imports
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.crm.masters import OCR_LABELS

revision: str = "0070_ocr_labels"
down_revision: str | None = "0071_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHOICE = sa.table(
    "crm_choice",
    sa.column("kind", sa.String),
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("is_active", sa.Boolean),
)


def upgrade() -> None:
    """Adds the words a fresh install of the CRM migration has not already put in."""
    have = set(op.get_bind().execute(sa.select(CHOICE.c.kind, CHOICE.c.code).where(CHOICE.c.kind.in_(OCR_LABELS))))
    rows = [
        {"kind": kind, "code": str(n), "label": word, "sort_order": n - 1, "is_active": True}
        for kind, words in OCR_LABELS.items()
        for n, word in enumerate(words, 1)
        if (kind, str(n)) not in have
    ]
    if rows:
        op.bulk_insert(CHOICE, rows)


def downgrade() -> None:
    op.execute(CHOICE.delete().where(CHOICE.c.kind.in_(OCR_LABELS)))
