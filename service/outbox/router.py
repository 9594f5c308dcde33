from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from service.database import utcnow
from service.deps import DbSession
from service.identity.dependencies import PlatformAdmin
from service.outbox import service as outbox
from service.outbox.schemas import OutboxMessageDetail, OutboxMessageRead
from service.pagination import Page, PageParams, page_params
from service.schemas import SingleLine

router = APIRouter(prefix="/admin/outbox", tags=["admin"])

Status = Literal["pending", "sending", "sent", "failed"]
Channel = Literal["email", "sms", "slack", "voice", "payment_link"]


@router.get("", response_model=Page[OutboxMessageRead])
def list_outbox(
    _: PlatformAdmin,
    db: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    status: Status | None = None,
    channel: Channel | None = None,
    domain: Annotated[str | None, Query(max_length=20), SingleLine] = None,
) -> Page[OutboxMessageRead]:
    flt = outbox.OutboxFilter(status=status, channel=channel, domain=domain)
    rows, total = outbox.list_messages(db, flt=flt, offset=paging.offset, limit=paging.page_size)
    items = [OutboxMessageRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/{message_id}", response_model=OutboxMessageDetail)
def get_outbox_message(message_id: int, _: PlatformAdmin, db: DbSession) -> OutboxMessageDetail:
    return OutboxMessageDetail.model_validate(outbox.get_message(db, message_id))


@router.post("/{message_id}/retry", response_model=OutboxMessageDetail)
def retry_outbox_message(message_id: int, caller: PlatformAdmin, db: DbSession) -> OutboxMessageDetail:
    message = outbox.retry_failed(db, message_id=message_id, actor=caller.actor, now=utcnow())
    return OutboxMessageDetail.model_validate(message)
