"""Platform tasks: token housekeeping (outbox delivery tasks are added beside it)."""

from jobs.celery_app import app
from service.database import session_scope, utcnow
from service.identity import service as identity


@app.task(name="platform.purge_revoked_tokens")
def purge_revoked_tokens() -> int:
    with session_scope() as db:
        return identity.purge_revoked_tokens(db, now=utcnow())
