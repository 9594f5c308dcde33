"""Platform tasks: outbox delivery and its safety-net dispatch, lost task sends, token housekeeping, backups, and
removing generated documents past their retention."""

from jobs.celery_app import app
from jobs.single_flight import periodic
from service import broker, documents
from service.audit import service as audit
from service.backup import service as backups
from service.config import get_settings
from service.database import get_engine, session_scope, utcnow
from service.identity import lockout
from service.identity import service as identity
from service.outbox import delivery
from service.task_queues import CRITICAL


@periodic("platform.purge_revoked_tokens")
def purge_revoked_tokens() -> int:
    with session_scope() as db:
        return identity.purge_revoked_tokens(db, now=utcnow())


@periodic("platform.purge_login_throttles")
def purge_login_throttles() -> int:
    with session_scope() as db:
        return lockout.purge(db, now=utcnow())


@app.task(name="platform.deliver_message", acks_late=True, reject_on_worker_lost=True)
def deliver_message(message_id: int) -> str:
    """Send one outbox message if it is due; a second copy of this task finds nothing to claim."""
    return delivery.deliver(session_scope, message_id, now=utcnow()).outcome


@periodic("platform.dispatch_outbox")
def dispatch_outbox() -> int:
    """Queue a delivery for every due message (new, retry due, or lease expired) unless the critical queue, where
    deliveries travel, already holds a backlog."""
    limit = get_settings().outbox_dispatch_limit
    if broker.queue_length(CRITICAL) >= limit:
        return 0
    with session_scope() as db:
        message_ids = delivery.dispatch_due(db, now=utcnow(), limit=limit)
    for message_id in message_ids:
        deliver_message.delay(message_id)
    return len(message_ids)


@periodic("platform.send_pending_tasks")
def send_pending_tasks() -> int:
    """Send again the tasks requests recorded that have not run: never sent (the broker was down, the process died),
    not started long after their send (the message was lost), or held by a worker past its lease (the worker died)."""
    with session_scope() as db:
        return broker.send_pending(db, now=utcnow())


@periodic("platform.publish_audit_head")
def publish_audit_head() -> int:
    """Publish the audit chain's head to the log, outside the database, so a later rewrite of the chain shows."""
    with session_scope() as db:
        head = audit.publish_head(db)
    return head.seq if head else 0


@periodic("platform.backup")
def backup() -> str:
    """The daily backup into APP_BACKUP_DIR, then retention (APP_BACKUP_KEEP_DAILY, APP_BACKUP_KEEP_WEEKLY)."""
    path = backups.create_backup(get_engine(), now=utcnow())
    backups.prune_backups()
    return path.name


@periodic("platform.purge_documents")
def purge_documents() -> int:
    """Delete the document jobs past APP_DOCUMENT_RETENTION_HOURS and their files; returns the jobs deleted."""
    with session_scope() as db:
        return documents.purge_expired(db, now=utcnow())
