"""当番表 and 代番 as downloads (service/exports.py): the shifts computed from the rotation and its overrides, and
the overrides to come."""

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


def shift_sheet(db: Session, now: datetime, days: int) -> Sheet:
    """Computed from the rotation and its overrides, not stored: read now, while the request's session is open."""
    getters = row_getters(SHIFT_COLUMNS)
    rows = [[get(oncall.shift_read(duty)) for get in getters] for duty in oncall.upcoming(db, now, days)]
    return Sheet(SHIFT_COLUMNS, [rows] if rows else [])


def override_export(now: datetime) -> ListExport:
    return ListExport(
        oncall.override_query(now),
        oncall.OVERRIDE_ORDER,
        OVERRIDE_COLUMNS,
        lambda db, rows: [oncall.override_read(override) for override in entities(db, rows)],
    )
