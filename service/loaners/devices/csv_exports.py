"""The loaners lists' CSV columns beside the views' own (views.normal_export, audit_export): a device's timeline
(timeline.timeline_export streams it, archived rows included)."""

from service.exports import field
from service.loaners import labels
from service.sheets import Column

SOURCES = {"import": "取込", "form": "フォーム"}
ANSWER_SEPARATOR = "／"

TIMELINE_COLUMNS = (
    field("タイムスタンプ", "submitted_at"),
    field("メールアドレス", "submitter_email"),
    field("0-4.ステータス", "status"),
    field("預かり機のステータス", "held_status"),
    Column("回答", lambda row: ANSWER_SEPARATOR.join(f"{key}: {value}" for key, value in row.answers.items())),
    Column("経路", lambda row: SOURCES.get(row.source, row.source)),
    Column(labels.ARCHIVED_COLUMN, lambda row: labels.ARCHIVED if getattr(row, "archived", False) else ""),
)
