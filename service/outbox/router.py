from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clientkit.phones import as_dialled
from service import exports
from service.audit.labels import OUTBOX_STATUSES, OutboxStatus
from service.database import utcnow
from service.deps import DbSession
from service.identity.dependencies import PlatformAdmin
from service.outbox import service as outbox
from service.outbox.kinds import Channel
from service.outbox.models import OutboxMessage
from service.outbox.schemas import OutboxMessageDetail, OutboxMessageRead, OutboxVocabulary
from service.pagination import Page, Paging, page_of
from service.schemas import SingleLine
from service.sheets import CODE, Column

router = APIRouter(prefix="/admin/outbox", tags=["admin"])


def outbox_filter(
    status: OutboxStatus | None = None,
    channel: Channel | None = None,
    domain: Annotated[str | None, Query(max_length=20), SingleLine] = None,
) -> outbox.OutboxFilter:
    return outbox.OutboxFilter(status=status, channel=channel, domain=domain)


Filters = Annotated[outbox.OutboxFilter, Depends(outbox_filter)]


def _recipient(message: OutboxMessage) -> str:
    return as_dialled(message.recipient) if Channel.of(message.channel).phone else message.recipient


MESSAGE_COLUMNS = (
    exports.field("ID", "id"),
    exports.field("作成日時", "created_at"),
    exports.field("チャネル", "channel"),
    Column("宛先", _recipient, CODE),
    exports.field("件名", "subject"),
    exports.field("状態", "status"),
    exports.field("試行回数", "attempts"),
    exports.field("配信状況", "delivery_status"),
    exports.field("最後のエラー", "last_error"),
    exports.field("送信日時", "sent_at"),
    Column("次回試行", lambda message: message.next_attempt_at if message.status == "pending" else ""),
    exports.field("区分", "domain"),
    Column("関連", lambda message: f"{message.ref_type or ''} {message.ref_id or ''}".strip()),
)


@router.get("/vocabulary", response_model=OutboxVocabulary)
def outbox_vocabulary(_: PlatformAdmin) -> OutboxVocabulary:
    """The filters' codes in words: every status and channel of a message."""
    return OutboxVocabulary(statuses=OUTBOX_STATUSES, channels=Channel.words())


@router.get("", response_model=Page[OutboxMessageRead])
def list_outbox(_: PlatformAdmin, db: DbSession, paging: Paging, flt: Filters) -> Page[OutboxMessageRead]:
    rows, total = outbox.list_messages(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    items = [OutboxMessageRead.model_validate(r) for r in rows]
    return page_of(items, total, paging)


@router.get("/export", **exports.DOWNLOAD)
def export_outbox(_: PlatformAdmin, flt: Filters) -> exports.Download:
    """The messages the list's filters select, newest first, as the CSV download."""
    export = exports.ListExport(outbox.message_query(flt), outbox.LIST_ORDER, MESSAGE_COLUMNS, exports.entities)
    return exports.download(export, "outbox", "送信履歴")


@router.get("/{message_id:int}", response_model=OutboxMessageDetail)
def get_outbox_message(message_id: int, _: PlatformAdmin, db: DbSession) -> OutboxMessageDetail:
    return OutboxMessageDetail.model_validate(outbox.get_message(db, message_id))


@router.post("/{message_id}/retry", response_model=OutboxMessageDetail)
def retry_outbox_message(message_id: int, caller: PlatformAdmin, db: DbSession) -> OutboxMessageDetail:
    message = outbox.retry_failed(db, message_id=message_id, actor=caller.actor, now=utcnow())
    return OutboxMessageDetail.model_validate(message)
