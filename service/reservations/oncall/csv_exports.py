"""当番表, 祝日の当番 and 代番 as downloads (service/exports.py): the shifts computed from the rotation and its
overrides (the holidays' with the override's note and who registered it, by name), and the overrides to come."""

from datetime import datetime

from sqlalchemy.orm import Session

from service.exports import ListExport, declared_item, entities, item, row_getters
from service.reservations import messages
from service.reservations.models import OnCallMember, OnCallOverride
from service.reservations.oncall import oncall
from service.sheets import Column, Sheet

SHIFT_COLUMNS = (
    item("当番日", "shift_day"),
    Column("曜日", lambda shift: messages.WEEKDAYS[shift["shift_day"].weekday()]),
    item("日中", "day_label"),
    declared_item(OnCallMember.user_id, "name"),
    declared_item(OnCallMember.phone),
    item("区分", "source_label"),
)
OVERRIDE_COLUMNS = (
    item("ID", "id"),
    declared_item(OnCallOverride.user_id, "name"),
    declared_item(OnCallOverride.start_date),
    declared_item(OnCallOverride.end_date),
    declared_item(OnCallOverride.note),
    declared_item(OnCallOverride.created_by),
    item("登録日時", "created_at"),
)


HOLIDAY_COLUMNS = (
    *SHIFT_COLUMNS,
    declared_item(OnCallOverride.note, "override_note"),
    declared_item(OnCallOverride.created_by, "registered_by"),
)


def shift_sheet(db: Session, now: datetime, days: int) -> Sheet:
    """Computed from the rotation and its overrides, not stored: read now, while the request's session is open."""
    return _sheet(SHIFT_COLUMNS, [oncall.shift_read(duty) for duty in oncall.upcoming(db, now, days)])


def holiday_sheet(db: Session, now: datetime) -> Sheet:
    """The holidays' shifts of the months ahead (as 当番表 lists them)."""
    return _sheet(HOLIDAY_COLUMNS, oncall.holiday_shifts(db, now))


def _sheet(columns: tuple[Column, ...], shifts: list[dict]) -> Sheet:
    getters = row_getters(columns)
    rows = [[get(shift) for get in getters] for shift in shifts]
    return Sheet(columns, [rows] if rows else [])


def override_export(now: datetime) -> ListExport:
    return ListExport(
        oncall.override_query(now),
        oncall.OVERRIDE_ORDER,
        OVERRIDE_COLUMNS,
        lambda db, rows: [oncall.override_read(override) for override in entities(db, rows)],
    )
