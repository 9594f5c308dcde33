"""The manual operations queue as the CSV download (service/exports.py)."""

from datetime import datetime

from service.exports import ListExport, declared_item, item
from service.reservations.models import ManualOperation, Reservation
from service.reservations.operations import operations
from service.sheets import Column

OPERATION_OVERDUE = "超過"
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


def operation_export(flt: operations.OperationFilter, now: datetime) -> ListExport:
    return ListExport(
        operations.queue_query(flt),
        operations.queue_order(flt),
        OPERATION_COLUMNS,
        lambda _db, rows: [operations.operation_read(row, now) for row in rows],
    )
