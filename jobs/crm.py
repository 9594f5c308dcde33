"""代理店CRM tasks: removing statement image files that no row names (a crash between writing and committing)."""

from datetime import timedelta

from jobs.single_flight import periodic
from service.crm import storage
from service.database import session_scope, utcnow

ORPHAN_AGE = timedelta(hours=6)


@periodic("crm.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Idempotent: a second run (or two at once) finds nothing more to remove."""
    with session_scope() as db:
        return storage.sweep_orphans(db, older_than=utcnow() - ORPHAN_AGE)
