"""The reservations lists as CSV downloads (service/exports.py); the shops' download is the import's format."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.exports import ListExport, declared_item, entities, item, row_getters
from service.reservations import messages
from service.reservations.console import console
from service.reservations.incidents import incidents
from service.reservations.models import (
    Incident,
    ManualOperation,
    OnCallMember,
    OnCallOverride,
    Reservation,
    SupportInquiry,
)
from service.reservations.oncall import oncall
from service.reservations.operations import operations
from service.reservations.reports import figures
from service.reservations.support import support
from service.sheets import Column, Sheet

OVERDUE, LATE = "期限超過", "目標超過で対応"
UNREPORTED, UNREPORTED_LATE = "未報告", "未報告・期限超過"
OPERATION_OVERDUE = "超過"


def _response_flag(incident: dict) -> str:
    return OVERDUE if incident["overdue"] else LATE if incident["responded_late"] else ""


def _escalation(incident: dict) -> Any:
    """Low: the weekly report."""
    if incident["escalated_at"]:
        return incident["escalated_at"]
    if incident["escalation_due_at"] is None:
        return incident["escalation_label"]
    return UNREPORTED_LATE if incident["escalation_overdue"] else UNREPORTED


INCIDENT_COLUMNS = (
    item("ID", "id"),
    declared_item(Incident.occurred_at),
    declared_item(Incident.level, "level_label"),
    declared_item(Incident.title),
    item("対応時間目標", "target_label"),
    item("対応期限", "response_due_at"),
    declared_item(Incident.responded_at),
    Column("期限超過", _response_flag),
    Column("経営陣への報告", _escalation),
    declared_item(Incident.impact),
    declared_item(Incident.cause),
    declared_item(Incident.response),
    declared_item(Incident.recovered_at),
    declared_item(Incident.prevention),
    declared_item(Incident.created_by),
)
RESERVATION_COLUMNS = (
    item("予約ID", "code"),
    item("状態", "status_label"),
    declared_item(Reservation.requester_name),
    declared_item(Reservation.requester_phone),
    item("サービス", "service_name"),
    item("提携店", "shop_name"),
    declared_item(Reservation.desired_at),
    declared_item(Reservation.amount),
    item("受付日時", "created_at"),
    # what the list's row leaves to the reservation's page
    declared_item(Reservation.requester_email),
    declared_item(Reservation.cancel_deadline_at),
    declared_item(Reservation.details),
)
OPERATION_COLUMNS = (
    item("ID", "id"),
    declared_item(ManualOperation.priority, "priority_label"),
    declared_item(ManualOperation.due_at),
    Column("超過", lambda operation: OPERATION_OVERDUE if operation["overdue"] else ""),
    declared_item(ManualOperation.op_type, "type_label"),
    item("予約ID", "reservation_code"),
    declared_item(Reservation.requester_name),
    declared_item(ManualOperation.status, "status_label"),
    declared_item(ManualOperation.assignee_id, "assignee_name"),
    item("発生日時", "created_at"),
    declared_item(ManualOperation.reason),
    item("提携店からの依頼内容", "shop_said"),
    declared_item(ManualOperation.resolution),
)

INQUIRY_COLUMNS = (
    item("ID", "id"),
    declared_item(SupportInquiry.received_at),
    declared_item(SupportInquiry.channel, "channel_label"),
    declared_item(SupportInquiry.requester_type, "requester_type_label"),
    declared_item(SupportInquiry.requester),
    declared_item(SupportInquiry.contact_phone),
    declared_item(SupportInquiry.contact_email),
    declared_item(SupportInquiry.reservation_id, "reservation_code"),
    declared_item(SupportInquiry.question),
    declared_item(SupportInquiry.status, "status_label"),
    declared_item(SupportInquiry.first_responded_at),
    item(figures.FIRST_RESPONSE_COLUMN, "first_response_minutes"),
    declared_item(SupportInquiry.answer),
    declared_item(SupportInquiry.resolved_at),
    item("解決時間（時間）", "resolution_hours"),
    item(figures.IN_TIME_COLUMN, "resolved_in_time"),
    declared_item(SupportInquiry.satisfaction),
    declared_item(SupportInquiry.satisfaction_source, "satisfaction_source_label"),
    declared_item(SupportInquiry.survey_sent_at),
    declared_item(SupportInquiry.created_by),
)

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


def incident_export(flt: incidents.IncidentFilter, now: datetime) -> ListExport:
    return ListExport(
        incidents.incident_query(flt, now),
        incidents.LIST_ORDER,
        INCIDENT_COLUMNS,
        lambda _db, rows: [incidents.incident_read(row[0], now) for row in rows],
    )


def reservation_export(flt: console.ReservationFilter) -> ListExport:
    return ListExport(
        console.reservation_query(flt),
        console.LIST_ORDER,
        RESERVATION_COLUMNS,
        lambda _db, rows: [console.reservation_read(row[0]) for row in rows],
    )


def operation_export(flt: operations.OperationFilter, now: datetime) -> ListExport:
    return ListExport(
        operations.queue_query(flt),
        operations.queue_order(flt),
        OPERATION_COLUMNS,
        lambda _db, rows: [operations.operation_read(row, now) for row in rows],
    )


def inquiry_export(flt: support.InquiryFilter) -> ListExport:
    return ListExport(
        support.inquiry_query(flt),
        support.LIST_ORDER,
        INQUIRY_COLUMNS,
        lambda _db, rows: [support.inquiry_read(row[0], row[1]) for row in rows],
    )
