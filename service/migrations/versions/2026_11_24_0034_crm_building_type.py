"""crm: 建物区分 takes its code from the choice master; its choices are installed (stored free text stays as is)

Revision ID: 0034_crm_building_type
Revises: 0033_loaners_archive
Create Date: 2026-11-24 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_crm_building_type"
down_revision: str | None = "0033_loaners_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = "building_type"
BUILDING_TYPES = (("1", "戸建"), ("2", "集合住宅"), ("3", "ビル・テナント"), ("4", "工場・倉庫"), ("9", "その他"))
CHOICE = sa.table(
    "crm_choice",
    sa.column("kind", sa.String),
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("is_active", sa.Boolean),
)


def upgrade() -> None:
    """Adds the choices a fresh install of the CRM migration has not already put in."""
    have = set(op.get_bind().scalars(sa.select(CHOICE.c.code).where(CHOICE.c.kind == KIND)))
    rows = [
        {"kind": KIND, "code": code, "label": label, "sort_order": i, "is_active": True}
        for i, (code, label) in enumerate(BUILDING_TYPES)
        if code not in have
    ]
    if rows:
        op.bulk_insert(CHOICE, rows)


def downgrade() -> None:
    op.execute(CHOICE.delete().where(CHOICE.c.kind == KIND))
