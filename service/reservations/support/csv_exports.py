"""The inquiry list as the CSV download (service/exports.py)."""

from service.exports import ListExport, declared_item, item
from service.reservations.models import SupportInquiry
from service.reservations.support import figures, support

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
    item(figures.FIRST_RESPONSE_MET_COLUMN, "first_response_met"),
    declared_item(SupportInquiry.answer),
    declared_item(SupportInquiry.resolved_at),
    item(figures.RESOLUTION_HOURS_COLUMN, "resolution_hours"),
    item(figures.RESOLUTION_BUSINESS_HOURS_COLUMN, "resolution_business_hours"),
    item(figures.IN_TIME_COLUMN, "resolved_in_time"),
    declared_item(SupportInquiry.satisfaction),
    declared_item(SupportInquiry.satisfaction_source, "satisfaction_source_label"),
    declared_item(SupportInquiry.survey_sent_at),
    declared_item(SupportInquiry.created_by),
)


def inquiry_export(flt: support.InquiryFilter) -> ListExport:
    return ListExport(
        support.inquiry_query(flt),
        support.LIST_ORDER,
        INQUIRY_COLUMNS,
        lambda _db, rows: [support.inquiry_read(row[0], row[1]) for row in rows],
    )
