"""The loaners lists as CSV downloads (service/exports.py) beside the views' own (views.normal_export, audit_export):
a device's timeline."""

from sqlalchemy import select

from service.exports import Column, ListExport, entities, field
from service.loaners.models import Device, Submission
from service.loaners.views import local_text

SOURCES = {"import": "取込", "form": "フォーム"}
ANSWER_SEPARATOR = "／"

TIMELINE_COLUMNS = (
    Column("タイムスタンプ", lambda row: local_text(row.submitted_at)),
    field("メールアドレス", "submitter_email"),
    field("0-4.ステータス", "status"),
    field("預かり機のステータス", "held_status"),
    Column("回答", lambda row: ANSWER_SEPARATOR.join(f"{key}: {value}" for key, value in row.answers.items())),
    Column("経路", lambda row: SOURCES.get(row.source, row.source)),
)


def timeline_export(device: Device) -> ListExport:
    """Every submission of the device, newest first, as the timeline shows them."""
    return ListExport(
        select(Submission).where(Submission.device_id == device.id),
        (Submission.submitted_at.desc(), Submission.id.desc()),
        TIMELINE_COLUMNS,
        entities,
    )
