"""Which cases a CRM list shows a caller: the one place that decides (§3 獲得案件一覧「自分のみ」, §5 「自代理店のみ」).
Within the tenant scope, a sales person sees only their own cases, unless flagged 営業マネージャー (the whole agency's).
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from service.crm import read_marks
from service.crm.dependencies import SALES, AnyRole, Scope, crm_role
from service.crm.models import Comment, Profile, Request, Site
from service.deps import DbSession
from service.tenancy import TenantScope, scoped


@dataclass(frozen=True)
class CaseView:
    scope: TenantScope
    reader_id: int
    side: str
    owner_id: int | None = None

    def requests(self, stmt: Select) -> Select:
        stmt = scoped(stmt, self.scope, Request.agency_id)
        return stmt if self.owner_id is None else stmt.where(Request.requested_by == self.owner_id)

    def sites(self, stmt: Select) -> Select:
        stmt = scoped(stmt, self.scope, Site.agency_id)
        if self.owner_id is None:
            return stmt
        return stmt.where(Site.request_id.in_(select(Request.id).where(Request.requested_by == self.owner_id)))

    def comments(self, stmt: Select) -> Select:
        stmt = scoped(stmt, self.scope, Comment.agency_id)
        if self.owner_id is None:
            return stmt
        return stmt.where(Comment.request_id.in_(select(Request.id).where(Request.requested_by == self.owner_id)))

    def unread(self) -> ColumnElement[bool]:
        """A comment for the caller's side they have not read (sought among the caller's cases only, not every
        agency's), or, for the back office, a request nobody of them has opened."""
        commented = Request.id.in_(self.comments(read_marks.unread(self.reader_id, self.side)))
        return or_(commented, read_marks.never_opened(self.side))


def view_for(db: Session, *, scope: TenantScope, role: str, user_id: int) -> CaseView:
    side = read_marks.side_of(role)
    if role != SALES:
        return CaseView(scope, user_id, side)
    manager = db.scalar(select(Profile.is_sales_manager).where(Profile.user_id == user_id))
    return CaseView(scope, user_id, side, None if manager else user_id)


def caller_view(caller: AnyRole, scope: Scope, db: DbSession) -> CaseView:
    return view_for(db, scope=scope, role=crm_role(caller), user_id=caller.user_id)


Cases = Annotated[CaseView, Depends(caller_view)]
