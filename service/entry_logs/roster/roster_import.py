"""The roster import (保護者名,保護者ふりがな,電話番号,園児名,園児ふりがな,クラス: an .xlsx or a CSV, read by
service/tabular.py, its header below any title rows, a column named otherwise mapped by the person, each row reported
by its sheet row number) as a job in short batches.

The request reads only the header (the mapping step asks there) and keeps the file; the job's first step reads it
(service/import_jobs.py, 「読み込み中」), then it imports BATCH rows per transaction, so another nursery's scans and
logins wait for one batch at most. Parents match on name + phone, children on name + class; a reading (ふりがな) is no
part of the match: a row's fills in or replaces the stored one, so importing again with readings adds them.

Each batch is one delivery of `entry_logs.import_roster`, queued by the transaction committing the batch before it
(`broker.queue_task`), so a lost send or task is sent again by the pending-task sweep. A copy of a committed batch finds
the import past its row and does nothing."""

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from service import broker
from service.audit import service as audit
from service.audit.service import Actor
from service.entry_logs import labels
from service.entry_logs.models import Child, Guardian, Nursery, Parent, RosterImport
from service.entry_logs.roster.service import DOMAIN
from service.entry_logs.schemas import ChildKana, ClassName, Name, ParentKana, Phone
from service.errors import NotFound, ValidationFailed, rule_message
from service.import_jobs import READING, Report, chunk_records, read_head, read_upload
from service.tabular import Columns, Record
from service.tenancy import TenantScope, get_scoped

TASK = "entry_logs.import_roster"
MAX_ROWS = 20_000
BATCH = 200
FINISHED = ("done", "failed")
PARENT_KEY = (Parent.name, Parent.phone)
CHILD_KEY = (Child.name, Child.class_name)
ROW_TYPES = {
    "parent_name": TypeAdapter(Name),
    "parent_name_kana": TypeAdapter(ParentKana),
    "phone": TypeAdapter(Phone),
    "child_name": TypeAdapter(Name),
    "child_name_kana": TypeAdapter(ChildKana),
    "class_name": TypeAdapter(ClassName),
}
OPTIONAL = ("parent_name_kana", "phone", "child_name_kana", "class_name")  # the columns a file may leave out
Key = tuple[str, str]


# Headers are the Japanese labels or the field names
COLUMNS = Columns(
    tuple(labels.ROSTER_COLUMNS.values()),
    (labels.ROSTER_COLUMNS["parent_name"], labels.ROSTER_COLUMNS["child_name"]),
    {key: label for key, label in labels.ROSTER_COLUMNS.items()},
)
FIELD_OF = {label: key for key, label in labels.ROSTER_COLUMNS.items()}


def _row_values(record: Record) -> dict[str, str]:
    """ValueError names the first column that breaks a rule."""
    values = {}
    for label, raw in record.values.items():
        key = FIELD_OF[label]
        try:
            values[key] = ROW_TYPES[key].validate_python(raw)
        except ValidationError as exc:
            raise ValueError(f"{label}: {rule_message(exc.errors()[0])}") from exc
    return {key: "" for key in OPTIONAL} | values


def create_import(
    db: Session,
    *,
    nursery: Nursery,
    filename: str,
    data: bytes,
    actor: Actor,
    now: datetime,
    mapping: dict[str, str] | None = None,
) -> RosterImport:
    """A mapping names the roster's column for a file's column named otherwise (tabular.ColumnsUnmatched asks)."""
    read_head(data, COLUMNS, mapping)
    job = RosterImport(
        nursery_id=nursery.id,
        filename=filename[:200],
        upload=data,
        mapping=mapping or {},
        status=READING,
        actor=dataclasses.asdict(actor),
        created_at=now,
    )
    db.add(job)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="import_roster",
        domain=DOMAIN,
        target_type="roster_import",
        target_id=job.id,
        changes=audit.diff(
            {}, {"nursery_id": nursery.id, "filename": job.filename} | ({"columns": mapping} if mapping else {})
        ),
        at=now,
    )
    broker.queue_task(db, TASK, job.id, 0)
    return job


def _too_many(rows: int) -> ValidationFailed:
    return ValidationFailed(
        labels.CSV_TOO_MANY_ROWS.format(limit=MAX_ROWS, rows=rows),
        code="csv_too_many_rows",
        details={"field": "file", "rule": "max_rows", "limit": MAX_ROWS, "rows": rows},
    )


def get_import(db: Session, *, nursery: Nursery, import_id: int) -> RosterImport:
    """Another nursery's id is a 404."""
    scope = TenantScope(DOMAIN, "nursery", str(nursery.id))
    try:
        return get_scoped(db, RosterImport, import_id, scope, RosterImport.nursery_id)
    except NotFound as exc:
        raise NotFound(labels.IMPORT_NOT_FOUND, code="import_not_found", details=exc.details) from exc


def import_batch(
    db: Session, *, import_id: int, start: int, now: datetime, size: int = BATCH, retry: bool = False
) -> None:
    """The import's row is locked for the batch: a copy delivered at the same time waits, then finds the batch done. A
    `retry` finding its batch done is one whose COMMIT went through while its connection dropped: the next batch was
    never sent, so it is sent now."""
    job = db.scalar(select(RosterImport).where(RosterImport.id == import_id).with_for_update())
    if job is None or job.status in FINISHED:
        return
    if job.processed_rows != start:
        if retry and job.processed_rows > start:
            broker.resend_after_commit(db, TASK, job.id, job.processed_rows)
        return
    if job.status == READING:  # the first batch's task reads the file first
        read_upload(db, job, COLUMNS, MAX_ROWS, _too_many)
    batch = chunk_records(db, job, COLUMNS, start, size)
    accepted, rejected = [], Report(job.rejected)
    for record in batch:
        try:
            accepted.append(_row_values(record))
        except ValueError as exc:
            job.rejected_rows += 1
            rejected.add({"row": record.number, "reason": str(exc), "values": list(record.values.items())})
    _store(db, job, accepted)
    job.status, job.rejected, job.processed_rows = "running", rejected.rows, start + len(batch)
    if len(batch) < size or job.processed_rows >= job.total_rows:
        _finish(db, job, now)
    else:
        broker.queue_task(db, TASK, job.id, job.processed_rows)
    db.flush()


@dataclasses.dataclass(frozen=True)
class Matched:
    ids: dict[Key, int]
    created: dict[Key, int]
    readings: dict[Key, str]
    changed_readings: dict[int, tuple[str, str]]


def _store(db: Session, job: RosterImport, rows: list[dict[str, str]]) -> None:
    parent_keys = [(row["parent_name"], row["phone"]) for row in rows]
    child_keys = [(row["child_name"], row["class_name"]) for row in rows]
    parent_readings = _readings(parent_keys, [row["parent_name_kana"] for row in rows])
    child_readings = _readings(child_keys, [row["child_name_kana"] for row in rows])
    parents = _find_or_create(db, job.nursery_id, PARENT_KEY, parent_keys, parent_readings)
    children = _find_or_create(db, job.nursery_id, CHILD_KEY, child_keys, child_readings)
    pairs = zip(child_keys, parent_keys, strict=True)
    links = _link(db, [(children.ids[child], parents.ids[parent]) for child, parent in pairs])
    _audit_changes(db, job, parents, children, links)
    job.parents_created += len(parents.created)
    job.children_created += len(children.created)
    job.links_created += len(links)


def _readings(keys: list[Key], readings: list[str]) -> dict[Key, str]:
    """The last row's with one."""
    return {key: reading for key, reading in zip(keys, readings, strict=True) if reading}


def _find_or_create(
    db: Session,
    nursery_id: int,
    key: tuple[InstrumentedAttribute[str], InstrumentedAttribute[str]],
    wanted: list[Key],
    readings: dict[Key, str],
) -> Matched:
    """Missing ones inserted in one statement, changed readings updated in another."""
    model, unique = key[0].class_, list(dict.fromkeys(wanted))
    stmt = select(*key, model.id, model.name_kana).where(
        model.nursery_id == nursery_id, key[0].in_({name for name, _ in unique})
    )
    found, stored = {}, {}
    for name, other, row_id, reading in db.execute(stmt.order_by(model.id)):
        found[(name, other)], stored[(name, other)] = row_id, reading
    changed = _change_readings(
        db, model, {found[pair]: (stored[pair], reading) for pair, reading in readings.items() if pair in found}
    )
    missing = [pair for pair in unique if pair not in found]
    if not missing:
        return Matched(found, {}, readings, changed)
    rows = [
        {
            "nursery_id": nursery_id,
            key[0].key: first,
            key[1].key: second,
            "name_kana": readings.get((first, second), ""),
        }
        for first, second in missing
    ]
    ids = db.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows).all()
    created = dict(zip(missing, ids, strict=True))
    return Matched(found | created, created, readings, changed)


def _change_readings(db: Session, model: Any, readings: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    changed = {row_id: pair for row_id, pair in readings.items() if pair[0] != pair[1]}
    if changed:
        db.execute(update(model), [{"id": row_id, "name_kana": after} for row_id, (_, after) in changed.items()])
    return changed


def _link(db: Session, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    unique = list(dict.fromkeys(pairs))
    children = {child for child, _ in unique}
    stmt = select(Guardian.child_id, Guardian.parent_id).where(Guardian.child_id.in_(children))
    linked = set(db.execute(stmt).tuples())
    links = [pair for pair in unique if pair not in linked]
    if links:
        db.execute(insert(Guardian), [{"child_id": child, "parent_id": parent} for child, parent in links])
    return links


def _audit_changes(
    db: Session, job: RosterImport, parents: Matched, children: Matched, links: list[tuple[int, int]]
) -> None:
    """As the person who uploaded the file."""
    actor, nursery_id = Actor(**job.actor), job.nursery_id
    parents_of: dict[int, list[int]] = {}
    for child, parent in sorted(links, key=lambda link: link[1]):  # the form's snapshot lists them by id
        parents_of.setdefault(child, []).append(parent)
    # A row without a before is created, one with a before updated
    entries: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
        (
            "parent",
            parent_id,
            {},
            {
                "nursery_id": nursery_id,
                "name": name,
                "name_kana": parents.readings.get((name, phone), ""),
                "phone": phone,
            },
        )
        for (name, phone), parent_id in parents.created.items()
    ]
    entries += [  # a new child is linked to its rows' parents in the same batch
        (
            "child",
            child_id,
            {},
            {
                "nursery_id": nursery_id,
                "name": name,
                "name_kana": children.readings.get((name, cls), ""),
                "class_name": cls,
                "parent_ids": parents_of[child_id],
            },
        )
        for (name, cls), child_id in children.created.items()
    ]
    entries += [
        (target_type, row_id, {"name_kana": before}, {"name_kana": after})
        for target_type, matched in (("parent", parents), ("child", children))
        for row_id, (before, after) in matched.changed_readings.items()
    ]
    for target_type, target_id, before, after in entries:
        audit.record(
            db,
            actor=actor,
            action="update" if before else "create",
            domain=DOMAIN,
            target_type=target_type,
            target_id=target_id,
            changes=audit.diff(before, after),
        )


def _finish(db: Session, job: RosterImport, now: datetime) -> None:
    job.status, job.finished_at = "done", now
    counts = {"parents_created", "children_created", "links_created", "rejected_rows"}
    audit.record(
        db,
        actor=Actor(**job.actor),
        action="finish_roster_import",
        domain=DOMAIN,
        target_type="roster_import",
        target_id=job.id,
        changes=audit.diff({}, {name: getattr(job, name) for name in sorted(counts)}),
        at=now,
    )


def mark_failed(db: Session, *, import_id: int, now: datetime, error: str) -> None:
    """A bad row is rejected, not this; the rows done so far are kept."""
    job = db.get(RosterImport, import_id)
    if job is not None and job.status not in FINISHED:
        job.status, job.finished_at, job.error, job.upload = "failed", now, error[:500], None
