"""The reservation list as the CSV download (service/exports.py)."""

from service.exports import ListExport, declared_item, item
from service.reservations.console import console
from service.reservations.models import Reservation

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


def reservation_export(flt: console.ReservationFilter) -> ListExport:
    return ListExport(
        console.reservation_query(flt),
        console.LIST_ORDER,
        RESERVATION_COLUMNS,
        lambda _db, rows: [console.reservation_read(row[0]) for row in rows],
    )
