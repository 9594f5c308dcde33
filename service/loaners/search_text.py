"""The one search box of the lists: `loaners_device_search.search_text` holds a device's identifying and current
free-text answers, one per line, NFKC. It is put together here rather than in SQL: SQLite's JSON paths do not find the
keys the JSON columns store with escaped Japanese."""

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, Row, delete, insert, select
from sqlalchemy.orm import Session

from service.loaners.models import Device, DeviceSearch, Model, Question, Submission
from service.schemas import nfkc
from service.search import contains

FREE_TEXT = ("text", "textarea")
SEPARATOR = "\n"  # so a term never matches across two values
BATCH = 5_000


def free_text_keys(db: Session) -> list[str]:
    return list(db.scalars(select(Question.key).where(Question.type.in_(FREE_TEXT)).distinct().order_by(Question.key)))


def _text(row: Row, keys: list[str]) -> str:
    """ＡＢＣ商事１号店 is found by ABC商事1."""
    answers = row.answers or {}
    values = [row.management_number, row.asset_number, row.serial_number, row.model_name]
    return nfkc(SEPARATOR.join(str(value) for value in [*values, *(answers.get(key) for key in keys)] if value))


def _batches(db: Session, device_ids: Iterable[int] | None) -> Iterator[list[int]]:
    if device_ids is not None:
        ids = sorted(set(device_ids))
        for start in range(0, len(ids), BATCH):
            yield ids[start : start + BATCH]
        return
    last = 0
    while ids := list(db.scalars(select(Device.id).where(Device.id > last).order_by(Device.id).limit(BATCH))):
        yield ids
        last = ids[-1]


def refresh(db: Session, device_ids: Iterable[int] | None) -> None:
    """None: every device."""
    keys = free_text_keys(db)
    for ids in _batches(db, device_ids):
        rows = db.execute(
            select(
                Device.id,
                Device.management_number,
                Device.asset_number,
                Device.serial_number,
                Model.name.label("model_name"),
                Submission.answers,
            )
            .join(Model, Model.id == Device.model_id)
            .outerjoin(Submission, Submission.id == Device.current_submission_id)
            .where(Device.id.in_(ids))
        ).all()
        db.execute(delete(DeviceSearch).where(DeviceSearch.device_id.in_(ids)))
        if rows:
            db.execute(insert(DeviceSearch), [{"device_id": row.id, "search_text": _text(row, keys)} for row in rows])


def matches(term: str) -> ColumnElement[bool]:
    return Device.id.in_(select(DeviceSearch.device_id).where(contains(term, DeviceSearch.search_text)))
