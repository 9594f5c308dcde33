"""The CRM lists as CSV downloads (service/exports.py) among the cases the caller sees."""

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import InstrumentedAttribute, Session

from service import fields
from service.crm import agencies, labels, metrics, requests, timing, users
from service.crm.dependencies import DOMAIN
from service.crm.models import Agency, Profile, Request
from service.crm.schemas import AgencyMetrics, AgencyRead
from service.crm.visibility import CaseView
from service.database import utcnow
from service.exports import ListExport, declared, entities, field, yes_no
from service.identity.models import User
from service.roles import role_label
from service.sheets import Column
from service.tenancy import TenantScope

NEWS_MARK, UNREAD_MARK = "未読", "未読あり"

COUNTS = (
    field("依頼ID", "id"),
    field("法人名", "corporation_name"),
    field("地点数", "sites_total"),
    field(fields.facts(Request.site_count).label, "site_count"),
)
STATUS = field("ステータス", "status_label")
REQUESTED_ON = field("投入依頼日", "created_at")


def days_of(name: str) -> Column:
    return Column(f"{labels.TIME_LABELS[name]}（日）", lambda request: timing.days(getattr(request.times, name)))


# 投入案件一覧 (§3.2, the back office's, with the assignee and the times its statuses took) and マイ依頼一覧 (§3.4,
# the sales person's own)
QUEUE_COLUMNS = (
    STATUS,
    *COUNTS,
    field("営業担当者", "requested_by_name"),
    field("代理店", "agency_name"),
    REQUESTED_ON,
    Column("未読通知", lambda request: NEWS_MARK if request.unread else ""),
    field("担当者", "assigned_to_name"),
    *(days_of(name) for name in labels.TIME_LABELS),
    Column(labels.FIRST_TIME_RIGHT_COLUMN, lambda request: fields.said(fields.YES_NO, request.times.first_time_right)),
    Column(labels.DAYS_TO_SUBMITTED_COLUMN, lambda request: request.times.days_to_submitted),
)
MINE_COLUMNS = (
    *COUNTS,
    STATUS,
    Column("不備通知", lambda request: UNREAD_MARK if request.unread else ""),
    REQUESTED_ON,
)


def percent(name: str) -> Callable[[Any], float]:
    return lambda row: round(getattr(row, name) * 100, 1)


# 代理店別サマリ (§3.6) with first-time-right, the median days to 投入済 and the top 不備 reasons
METRICS_COLUMNS = (
    field("代理店名", "agency_name"),
    field("依頼件数", "requests"),
    *(field(word, status) for status, word in labels.STATUS_LABELS.items()),  # each status's count, §4.1's order
    field("獲得地点", "acquired_sites"),
    Column("不備率（%）", percent("deficiency_rate")),
    Column("差し戻し率（%）", percent("ever_deficient_rate")),
    field("初回完了件数", "first_time_right"),
    Column("初回完了率（%）", percent("first_time_right_rate")),
    field("投入済までの日数（中央値）", "median_days_to_submitted"),
    Column("主な不備理由", lambda row: "／".join(f"{r.reason}（{r.count}件）" for r in row.top_reasons)),
)
AGENCY_COLUMNS = (
    field("ID", "id"),
    declared(Agency.name),
    declared(Agency.code),
    declared(Agency.contact_name),
    field("所属営業担当数", "sales_count"),
    yes_no("ステータス", Agency.is_active),
    declared(Agency.referral_shop_code),
    declared(Agency.referral_shop_name),
    declared(Agency.phone),
    declared(Agency.mail_address),
)


def profile_code(attribute: InstrumentedAttribute) -> Column:
    """ "" for a user without a profile."""
    name = attribute.key
    return Column(fields.facts(attribute).label, lambda row: getattr(row.profile, name) if row.profile else "")


USER_COLUMNS = (
    field("ID", "user.id"),
    field("ログインID", "user.login_id"),
    field("氏名", "user.name"),
    Column("役割", lambda row: role_label(DOMAIN, row.grant.role) if row.grant else ""),
    Column(fields.facts(Profile.agency_id).label, lambda row: row.agency.name if row.agency else ""),
    profile_code(Profile.sales_staff_code),
    profile_code(Profile.l_code),
    yes_no(
        fields.facts(Profile.is_sales_manager).label,
        Profile.is_sales_manager,
        lambda row: row.profile.is_sales_manager if row.profile else None,
    ),
    yes_no("状態", User.is_active, attrgetter("user.is_active")),
    field("最終ログイン", "user.last_login_at"),
)


def request_export(*, view: CaseView, flt: requests.RequestFilter, mine: bool) -> ListExport:
    now = utcnow()
    return ListExport(
        requests.item_query(view=view, flt=flt),
        requests.LIST_ORDER,
        MINE_COLUMNS if mine else QUEUE_COLUMNS,
        lambda _db, rows: [requests.list_item(row, now=now) for row in rows],
    )


def metrics_export(*, view: CaseView, agency_id: int | None, since: date | None, until: date | None) -> ListExport:
    """Each batch's rows computed for its agencies."""

    def rows_of(db: Session, rows: Sequence[Row]) -> list[AgencyMetrics]:
        names = [(row.id, row.name) for row in rows]
        selection = metrics.Selection(view, [agency_id for agency_id, _ in names], since, until)
        return metrics.agency_rows(db, selection, names)

    return ListExport(
        metrics.agency_query(view=view, agency_id=agency_id), metrics.AGENCY_ORDER, METRICS_COLUMNS, rows_of
    )


def _agencies(db: Session, rows: Sequence[Row]) -> list[AgencyRead]:
    """One count query per batch."""
    found = entities(db, rows)
    counts = agencies.sales_counts(db, [agency.id for agency in found])
    return [
        AgencyRead.model_validate(agency).model_copy(update={"sales_count": counts.get(agency.id, 0)})
        for agency in found
    ]


def agency_export(*, scope: TenantScope, q: str | None, active: bool | None) -> ListExport:
    return ListExport(
        agencies.agency_query(scope=scope, q=q, active=active), agencies.AGENCY_ORDER, AGENCY_COLUMNS, _agencies
    )


def user_export(*, role: str | None, agency_id: int | None, q: str | None) -> ListExport:
    return ListExport(
        users.user_query(role=role, agency_id=agency_id, q=q), users.USER_ORDER, USER_COLUMNS, users.crm_users
    )
