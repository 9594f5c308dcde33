"""Writing, reading and verifying the hash-chained audit log."""

import getpass
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    String,
    and_,
    bindparam,
    cast,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction

from service import search
from service.audit.models import AuditChainHead, AuditEntry
from service.config import get_settings
from service.database import Base, utcnow

GENESIS_HASH = "0" * 64
REDACTED = "[REDACTED]"
SECRET_MARKERS = ("password", "token", "secret", "card_number", "security_code", "cvv", "api_key")
log = logging.getLogger("daicho.audit")


@dataclass(frozen=True)
class Actor:
    type: str
    id: str | None = None
    label: str = ""
    client_address: str | None = None
    request_id: str | None = None


SYSTEM = Actor(type="system", label="システム")  # the name the records give work no person did


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def _plain(value: Any) -> Any:
    """Exactly as it will be stored and hashed."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"field": {"before": x, "after": y}} for the fields that changed; secrets redacted."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if is_secret_field(name):
            changes[name] = {
                "before": REDACTED if old is not None else None,
                "after": REDACTED if new is not None else None,
            }
        else:
            changes[name] = {"before": _plain(old), "after": _plain(new)}
    return changes


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


CANONICAL_FIELDS = (
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "client_address",
    "request_id",
    "action",
    "domain",
    "target_type",
    "target_id",
    "changes",
    "prev_hash",
)
Hasher = Callable[[Any], str]


def _canonical(entry: Any) -> bytes:
    """Sorted, compact JSON."""
    material = {name: getattr(entry, name) for name in CANONICAL_FIELDS}
    material["occurred_at"] = entry.occurred_at.isoformat()
    return json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def keyed(key: str) -> Hasher:
    """Without the key no one can recompute the chain after changing a row."""
    return lambda entry: hmac.new(key.encode(), _canonical(entry), hashlib.sha256).hexdigest()


def unkeyed(entry: Any) -> str:
    """The chain's hash before it was keyed; only read, to upgrade such a chain."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _entry_hash(entry: Any) -> str:
    return keyed(get_settings().audit_key)(entry)


CHAIN_HEAD = AuditChainHead.__table__
Db = Session | Connection
STORED = (*CANONICAL_FIELDS, "entry_hash")
PENDING = "audit_pending_entries"  # session.info: [(entry, the savepoint it was recorded in, or None)]


def record(
    db: Session,
    *,
    actor: Actor,
    action: str,
    domain: str,
    target_type: str,
    target_id: Any = None,
    changes: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Chained and stored by a plain INSERT when the caller's transaction commits; the entry then carries its seq and
    hashes."""
    entry = AuditEntry(
        occurred_at=(at or utcnow()).astimezone(UTC),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        client_address=actor.client_address,
        request_id=actor.request_id,
        action=action,
        domain=domain,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        changes=_plain(dict(changes or {})),
    )
    if not db.in_transaction():
        db.begin()  # a rollback or close before it drops the entry too
    db.info.setdefault(PENDING, []).append((entry, db.get_nested_transaction()))
    return entry


def pending_entries(db: Session) -> list[AuditEntry]:
    return [entry for entry, _ in db.info.get(PENDING, ())]


def _take_seqs(db: Session, count: int) -> tuple[int, str]:
    """The row lock taken on the head orders concurrent writers and is held to COMMIT."""
    row = db.execute(
        update(CHAIN_HEAD)
        .where(CHAIN_HEAD.c.id == 1)
        .values(last_seq=CHAIN_HEAD.c.last_seq + count)
        .returning(CHAIN_HEAD.c.last_seq, CHAIN_HEAD.c.last_hash)
    ).first()
    if row is None:
        db.execute(insert(CHAIN_HEAD).values(id=1, last_seq=count, last_hash=GENESIS_HASH))
        return 1, GENESIS_HASH
    return row[0] - count + 1, row[1]


def link_pending(db: Session) -> None:
    """Runs just before COMMIT, after the session's other changes are flushed, so the head is locked only from here
    on."""
    pending = pending_entries(db)
    db.info.pop(PENDING, None)
    if not pending:
        return
    db.flush()
    seq, prev_hash = _take_seqs(db, len(pending))
    hasher = keyed(get_settings().audit_key)
    for entry in pending:
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.entry_hash = prev_hash = hasher(entry)
        seq += 1
    db.execute(insert(AuditEntry.__table__), [{name: getattr(entry, name) for name in STORED} for entry in pending])
    db.execute(update(CHAIN_HEAD).where(CHAIN_HEAD.c.id == 1).values(last_hash=prev_hash))


@event.listens_for(Session, "before_commit")
def _link_on_commit(session: Session) -> None:
    """A savepoint's release leaves them pending."""
    if session.get_nested_transaction() is None:
        link_pending(session)


def _recorded_within(savepoint: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while savepoint is not None and savepoint is not ended:
        savepoint = savepoint.parent
    return savepoint is ended


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(PENDING)
    if pending and previous_transaction.nested:
        session.info[PENDING] = [item for item in pending if not _recorded_within(item[1], previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """Rolled back or closed: its entries never happened."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@dataclass(frozen=True)
class ChainHead:
    """Once published, no rewrite up to it can match it again."""

    seq: int
    hash: str


def _link_own_entries(db: Db) -> None:
    if isinstance(db, Session) and db.info.get(PENDING):
        link_pending(db)


def chain_head(db: Session) -> ChainHead | None:
    _link_own_entries(db)
    head = db.get(AuditChainHead, 1, populate_existing=True)
    return None if head is None else ChainHead(head.last_seq, head.last_hash)


def publish_head(db: Session) -> ChainHead | None:
    """Outside the database: beat does it every 15 minutes; backups carry it too."""
    head = chain_head(db)
    if head is not None:
        log.info("audit chain head seq=%d hash=%s", head.seq, head.hash)
    return head


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


CHAIN_COLUMNS = [AuditEntry.__table__.c[name] for name in ("id", *STORED)]


def _entries(db: Db, batch: int, up_to: int) -> Iterator[Row]:
    """Only the chained columns, so migrations can too."""
    last_seq = 0
    while rows := db.execute(
        select(*CHAIN_COLUMNS)
        .where(AuditEntry.seq > last_seq, AuditEntry.seq <= up_to)
        .order_by(AuditEntry.seq)
        .limit(batch)
    ).all():
        yield from rows
        last_seq = rows[-1].seq


def _scheme(entry: Row, hashers: Sequence[Hasher], start: int) -> int | None:
    """A chain moves to later hashers only."""
    return next((i for i in range(start, len(hashers)) if hashers[i](entry) == entry.entry_hash), None)


def _head_row(db: Db) -> Row | None:
    """One statement, one snapshot."""
    newest = select(func.max(AuditEntry.seq)).scalar_subquery()
    return db.execute(
        select(CHAIN_HEAD.c.last_seq, CHAIN_HEAD.c.last_hash, newest.label("newest")).where(CHAIN_HEAD.c.id == 1)
    ).first()


def _check(db: Db, hashers: Sequence[Hasher], published: ChainHead | None, batch: int) -> ChainReport:
    """Entries written meanwhile are left for the next check; an emptied or cut-off log no longer matches the heads."""
    _link_own_entries(db)
    head = _head_row(db)
    if head is None:
        return ChainReport(False, 0, None, "chain head missing")
    if head.newest is not None and head.newest > head.last_seq:
        return ChainReport(False, 0, head.last_seq + 1, "entries after the chain head")
    expected_prev, checked, scheme = GENESIS_HASH, 0, 0
    for entry in _entries(db, batch, head.last_seq):
        if entry.seq != checked + 1:
            return ChainReport(False, checked, checked + 1, "missing entry")
        if entry.prev_hash != expected_prev:
            return ChainReport(False, checked, entry.seq, "broken link to the previous entry")
        reproduced_by = _scheme(entry, hashers, scheme)
        if reproduced_by is None:
            return ChainReport(False, checked, entry.seq, "entry altered after it was written")
        scheme = reproduced_by
        if published is not None and entry.seq == published.seq and entry.entry_hash != published.hash:
            return ChainReport(False, checked, entry.seq, "entry differs from the published head")
        expected_prev, checked = entry.entry_hash, checked + 1
    if checked < head.last_seq:
        return ChainReport(False, checked, checked + 1, "entries removed from the end")
    if expected_prev != head.last_hash:
        return ChainReport(False, checked, head.last_seq, "last entry differs from the chain head")
    if published is not None and checked < published.seq:
        return ChainReport(False, checked, published.seq, "entries removed before the published head")
    return ChainReport(True, checked)


def verify_chain(db: Db, *, published: ChainHead | None = None, batch: int = 5000) -> ChainReport:
    """A head published earlier is what catches a rewrite by someone holding the key."""
    return _check(db, (_entry_hash,), published, batch)


class ChainBroken(Exception):
    """Nothing was rewritten."""


def rehash_chain(db: Db, *, written_with: Sequence[Hasher], new: Hasher, batch: int = 5000) -> ChainHead | None:
    """Heads published before no longer match: the new head is logged like a published one."""
    report = _check(db, written_with, None, batch)
    if not report.ok:
        raise ChainBroken(
            f"audit chain broken at entry {report.first_bad_seq}: {report.problem} "
            f"({report.checked} entries verified before it); nothing was rehashed"
        )
    table = AuditEntry.__table__
    rewrite = update(table).where(table.c.id == bindparam("row_id"))
    rewrite = rewrite.values(prev_hash=bindparam("new_prev"), entry_hash=bindparam("new_hash"))
    prev, pending = GENESIS_HASH, []
    for entry in _entries(db, batch, report.checked):
        new_hash = new(SimpleNamespace(**{**entry._mapping, "prev_hash": prev}))
        pending.append({"row_id": entry.id, "new_prev": prev, "new_hash": new_hash})
        prev = new_hash
        if len(pending) == batch:
            db.execute(rewrite, pending)
            pending = []
    if pending:
        db.execute(rewrite, pending)
    if not report.checked:
        return None
    db.execute(update(CHAIN_HEAD).where(CHAIN_HEAD.c.id == 1).values(last_hash=prev))
    log.info("audit chain rehashed: %d entries; head seq=%d hash=%s", report.checked, report.checked, prev)
    return ChainHead(report.checked, prev)


def operator_actor() -> Actor:
    """The OS user name of the person at the shell (the CLI, the demo history's drills)."""
    try:
        label = getpass.getuser()
    except (KeyError, OSError):
        label = f"uid {os.getuid()}"
    return Actor(type="cli", label=label)


def rekey(db: Session, *, old_key: str, new_key: str, actor: Actor) -> ChainHead:
    """Raises ChainBroken, rewriting nothing, when it does not verify under the old key."""
    rehashed = rehash_chain(db, written_with=(keyed(old_key),), new=keyed(new_key))
    entries = rehashed.seq if rehashed else 0
    record(
        db,
        actor=actor,
        action="rekey",
        domain="platform",
        target_type="audit_chain",
        changes=diff(None, {"entries": entries}),
    )
    head = publish_head(db)
    assert head is not None
    return head


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    domain: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    where: Any = None
    actor: str | None = None  # who acted, by a part of their name (the account's now, or as the entry recorded it)


def _filtered(stmt: Select, flt: AuditFilter) -> Select:
    for column, value in (
        (AuditEntry.actor_id, flt.actor_id),
        (AuditEntry.action, flt.action),
        (AuditEntry.domain, flt.domain),
        (AuditEntry.target_type, flt.target_type),
        (AuditEntry.target_id, flt.target_id),
    ):
        if value:
            stmt = stmt.where(column == value)
    if flt.since:
        stmt = stmt.where(AuditEntry.occurred_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEntry.occurred_at < flt.until)
    if flt.where is not None:
        stmt = stmt.where(flt.where)
    if flt.actor:
        stmt = stmt.where(acted_by(flt.actor))
    return stmt


def acted_by(name: str) -> ColumnElement[bool]:
    """Entries by people whose name holds `name`, as they are called now or were then; other actors by their label."""
    users = Base.metadata.tables["identity_user"].c
    named = select(cast(users.id, String)).where(search.contains(name, users.name))
    return or_(
        search.contains(name, AuditEntry.actor_label),
        and_(AuditEntry.actor_type == "user", AuditEntry.actor_id.in_(named)),
    )


LIST_ORDER = (AuditEntry.seq.desc(),)


def entry_query(flt: AuditFilter) -> Select:
    return _filtered(select(AuditEntry), flt)


def list_entries(db: Session, *, flt: AuditFilter, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    total = db.scalar(_filtered(select(func.count()).select_from(AuditEntry), flt)) or 0
    rows = db.scalars(entry_query(flt).order_by(*LIST_ORDER).offset(offset).limit(limit)).all()
    return list(rows), total
