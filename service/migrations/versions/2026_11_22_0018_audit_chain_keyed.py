"""audit: the chain written with plain SHA-256 is verified, then rehashed under APP_AUDIT_KEY

Revision ID: 0018_audit_chain_keyed
Revises: 0017_crm_master_edit
Create Date: 2026-11-22 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
from alembic.util import CommandError

from service.audit.service import ChainBroken, keyed, rehash_chain, unkeyed
from service.config import get_settings

revision: str = "0018_audit_chain_keyed"
down_revision: str | None = "0017_crm_master_edit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Refuse a chain that is already broken; a database that ran the keyed code has keyed entries after the old."""
    key = keyed(get_settings().audit_key)  # the development default when APP_AUDIT_KEY is not set, as the service
    try:
        rehash_chain(op.get_bind(), written_with=(unkeyed, key), new=key)
    except ChainBroken as exc:
        raise CommandError(
            f"{exc}. The upgrade keys only an intact chain: restore the audit log from a backup "
            "(`python -m service.cli backup restore`) or find out what changed it, then upgrade again."
        ) from exc


def downgrade() -> None:
    """Nothing to undo: the revision before this one runs with the keyed chain too."""
