"""不備・コメント (§2.7) and notification bodies."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from service.crm.models import Comment
from service.fields import rules


class CommentIn(BaseModel):
    message: Annotated[str, rules(Comment.message)]
    site_id: int | None = Field(default=None, ge=1)


class CommentRead(BaseModel):
    id: int
    request_id: int
    site_id: int | None
    author_id: int | None
    author_name: str
    type: str
    type_label: str
    audience: str
    message: str
    is_read: bool
    changes: dict[str, Any] | None
    created_at: datetime


class CrmNotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    comment_id: int | None
    kind: str
    message: str
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int
