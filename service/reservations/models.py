"""Reservations (予約 QRV) tables."""

from datetime import date, datetime, time
from typing import Any, TypeVar

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from service.database import Base, utcnow
from service.dialect import BigId
from service.errors import NotFound
from service.fields import ACTIVE, field_info
from service.identity.models import User
from service.outbox.content import SLACK_MEMBER_ID
from service.reservations import labels
from service.reservations.phones import PHONE_SHAPE
from service.schemas import EMAIL_SHAPE, matching

TEXT_MAX = 2000  # a Text column: the API's and the forms'
PHONE_MAX = 40  # a phone number as typed (spaces, hyphens, +81); stored as E.164
AMOUNT_MAX = 10_000_000  # in yen

B = TypeVar("B", bound=Base)
AUTO_CALLS = "auto_calls"  # a shop's 自動電話停止: changed by its own action, not the shop's edit


class ServiceType(Base):
    __tablename__ = "reservations_service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=field_info("サービス名", min_length=1))
    description: Mapped[str] = mapped_column(
        Text, default="", info=field_info("説明", multi_line=True, max_length=TEXT_MAX)
    )
    price: Mapped[int] = mapped_column(info=field_info("料金（円）", money=True))
    duration_minutes: Mapped[int] = mapped_column(info=field_info("所要時間（分）"))
    active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


shop_service = Table(
    "reservations_shop_service",
    Base.metadata,
    Column("shop_id", ForeignKey("reservations_shop.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "service_type_id", ForeignKey("reservations_service_type.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Shop(Base):
    """Called in call_order for the services it offers."""

    __tablename__ = "reservations_shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=field_info("店舗名", exported=True, min_length=1))
    phone: Mapped[str] = mapped_column(
        String(20), info=field_info("電話番号", exported=True, max_length=PHONE_MAX, **PHONE_SHAPE)
    )
    email: Mapped[str] = mapped_column(
        String(254), default="", info=field_info("メールアドレス", exported=True, **EMAIL_SHAPE)
    )
    call_order: Mapped[int] = mapped_column(default=100, info=field_info("架電順", exported=True))
    active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE, exported=True))
    notes: Mapped[str] = mapped_column(
        Text, default="", info=field_info("備考", exported=True, multi_line=True, max_length=TEXT_MAX)
    )
    # In the service's time zone (hours.py); none: called at any time.
    opens_at: Mapped[time | None] = mapped_column(info=field_info("営業開始", exported=True))
    closes_at: Mapped[time | None] = mapped_column(info=field_info("営業終了", exported=True))
    # Days not called (hours.py): weekday characters 月…日, 祝 for Japan's public holidays, e.g. 「水祝」.
    closed_days: Mapped[str] = mapped_column(String(8), default="", info=field_info("定休日", exported=True))
    # 自動電話停止: only people call it until an operator lifts it (calls.stop_auto_calls, audited).
    auto_calls_stopped_at: Mapped[datetime | None] = mapped_column(info=field_info("自動電話停止", group=AUTO_CALLS))
    auto_calls_stopped_reason: Mapped[str] = mapped_column(
        String(500), default="", info=field_info("自動電話停止の理由", group=AUTO_CALLS, multi_line=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    services: Mapped[list[ServiceType]] = relationship(secondary=shop_service, lazy="selectin", order_by=ServiceType.id)


class McpClient(Base):
    """Only the sha256 of its API key is kept."""

    __tablename__ = "reservations_mcp_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=field_info("クライアント名", min_length=1))
    key_prefix: Mapped[str] = mapped_column(String(16), info=field_info("キーの先頭"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    created_by: Mapped[str] = mapped_column(String(100), default="", info=field_info("作成者", audited=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(info=field_info("最終利用", audited=False))
    revoked_at: Mapped[datetime | None] = mapped_column(info=field_info("無効化日時", audited=False))


class Reservation(Base):
    """Moved by the state machine; the cancellation deadline follows its date."""

    __tablename__ = "reservations_reservation"
    __table_args__ = (
        Index("ix_reservations_reservation_status_created", "status", "created_at"),
        Index("ix_reservations_reservation_status_desired", "status", "desired_at"),
        Index("ix_reservations_reservation_status_reminder", "status", "reminder_due_at"),
        # Read from the index alone by the executive summary
        Index("ix_reservations_reservation_created_status", "created_at", "status"),
        Index("ix_reservations_reservation_client_created", "mcp_client_id", "created_at"),
        Index(  # name-prefix search (LIKE 'name%') by support when a requester calls
            "ix_reservations_reservation_requester_name",
            "requester_name",
            postgresql_ops={"requester_name": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    requester_name: Mapped[str] = mapped_column(
        String(100), info=field_info("依頼者", searched=True, exported=True, min_length=1)
    )
    requester_phone: Mapped[str] = mapped_column(
        String(20),
        index=True,
        info=field_info("電話番号", searched=True, exported=True, max_length=PHONE_MAX, **PHONE_SHAPE),
    )
    requester_email: Mapped[str] = mapped_column(
        String(254), default="", info=field_info("メールアドレス", exported=True, **EMAIL_SHAPE)
    )
    service_type_id: Mapped[int] = mapped_column(ForeignKey("reservations_service_type.id", ondelete="RESTRICT"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("reservations_shop.id", ondelete="RESTRICT"))
    # Found by phone and booked for this reservation only (never in the call list).
    one_off_shop_name: Mapped[str | None] = mapped_column(
        String(100), info=field_info("リスト外の店舗名", group="one_off", min_length=1)
    )
    one_off_shop_phone: Mapped[str | None] = mapped_column(
        String(20),
        info=field_info("リスト外の店舗の電話番号", group="one_off", max_length=PHONE_MAX, **PHONE_SHAPE),
    )
    one_off_shop_notes: Mapped[str | None] = mapped_column(
        Text,
        info=field_info("リスト外の店舗のメモ", group="one_off", multi_line=True, max_length=TEXT_MAX),
    )
    mcp_client_id: Mapped[int | None] = mapped_column(ForeignKey("reservations_mcp_client.id", ondelete="SET NULL"))
    desired_at: Mapped[datetime] = mapped_column(info=field_info("予約日時", exported=True))
    details: Mapped[str] = mapped_column(
        Text, default="", info=field_info("詳細", exported=True, multi_line=True, max_length=TEXT_MAX)
    )
    amount: Mapped[int] = mapped_column(info=field_info("金額（円）", exported=True, money=True))
    status: Mapped[str] = mapped_column(String(30), default="received")
    cancel_deadline_at: Mapped[datetime] = mapped_column(info=field_info("無料キャンセル期限", exported=True))
    reminder_due_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Round 2 waits before calling a shop again (calls.next_call); the sweeper places it at this time.
    next_call_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    service_type: Mapped[ServiceType] = relationship(lazy="joined")
    shop: Mapped[Shop | None] = relationship(lazy="joined")

    @property
    def shop_name(self) -> str | None:
        return self.shop.name if self.shop is not None else self.one_off_shop_name


class McpRequest(Base):
    """Until it expires, a retry answers the same reservation (booking/retries.py)."""

    __tablename__ = "reservations_mcp_request"
    __table_args__ = (
        UniqueConstraint("mcp_client_id", "request_key"),
        Index("ix_reservations_mcp_request_client_expires", "mcp_client_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mcp_client_id: Mapped[int] = mapped_column(ForeignKey("reservations_mcp_client.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(300))
    tool: Mapped[str] = mapped_column(String(40))
    arguments_hash: Mapped[str] = mapped_column(String(64))
    reservation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations_reservation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ReservationEvent(Base):
    """Every KPI reads these."""

    __tablename__ = "reservations_event"
    __table_args__ = (
        Index("ix_reservations_event_reservation", "reservation_id", "occurred_at"),
        Index("ix_reservations_event_to_status", "to_status", "occurred_at", "reservation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    provider_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallAttempt(Base):
    __tablename__ = "reservations_call_attempt"
    __table_args__ = (
        Index("ix_reservations_call_attempt_reservation", "reservation_id", "id"),
        Index("ix_reservations_call_attempt_status_created", "status", "created_at"),
        Index("ix_reservations_call_attempt_shop_created", "shop_id", "created_at"),  # the call budget (budget.py)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("reservations_shop.id", ondelete="RESTRICT"))
    round: Mapped[int]
    desired_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="calling")
    outcome: Mapped[str | None] = mapped_column(String(20))
    # Twilio's AnsweredBy (human, machine_end_beep, ..., fax); a machine is no answer for the round (calls.classify).
    answered_by: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    provider_call_id: Mapped[str | None] = mapped_column(String(200), index=True)
    outbox_message_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class CallDecision(Base):
    """Why a shop was or was not called for a reservation at a moment, or why the reservation waits or was queued
    (shop_id None: about the whole request)."""

    __tablename__ = "reservations_call_decision"
    __table_args__ = (Index("ix_reservations_call_decision_reservation", "reservation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("reservations_shop.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))  # labels.CALL_DECISIONS
    reason: Mapped[str] = mapped_column(String(30))  # labels.SKIP_REASONS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """The service's own 10-minute expiry."""

    __tablename__ = "reservations_payment"
    __table_args__ = (
        Index("ix_reservations_payment_status_expires", "status", "expires_at"),
        # Read from the index alone by the executive summary
        Index("ix_reservations_payment_status_paid", "status", "paid_at", "amount"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="creating")
    checkout_session_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    checkout_url: Mapped[str] = mapped_column(String(1000), default="")
    payment_intent: Mapped[str | None] = mapped_column(String(200))
    refund_id: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]


class ManualOperation(Base):
    """The spec's six cases."""

    __tablename__ = "reservations_manual_operation"
    __table_args__ = (Index("ix_reservations_manual_operation_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"), index=True
    )
    op_type: Mapped[str] = mapped_column(
        String(30), info=field_info("種別", exported=True, choices=labels.OPERATION_TYPES)
    )
    # The type's priority (§2.3.2) and its target time.
    priority: Mapped[str] = mapped_column(
        String(10), info=field_info("優先度", audited=False, exported=True, choices=labels.PRIORITIES)
    )
    status: Mapped[str] = mapped_column(
        String(20),
        default="open",
        info=field_info("状態", group="work", exported=True, choices=labels.OPERATION_STATUSES),
    )
    reason: Mapped[str] = mapped_column(
        String(500), default="", info=field_info("理由", exported=True, multi_line=True, min_length=1)
    )
    due_at: Mapped[datetime] = mapped_column(info=field_info("対応時間目標", audited=False, exported=True))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"),
        info=field_info("担当者", group="work", exported=True),
    )
    resolution: Mapped[str] = mapped_column(
        Text,
        default="",
        info=field_info("対応内容", group="work", exported=True, multi_line=True, min_length=1, max_length=TEXT_MAX),
    )
    resolved_by: Mapped[str] = mapped_column(String(100), default="", info=field_info("対応者", group="work"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(info=field_info("対応日時", audited=False))
    # Set by the service: the shop call whose answer opened it, or the requester's message that reached nobody.
    call_attempt_id: Mapped[int | None] = mapped_column(BigId)
    outbox_message_id: Mapped[int | None] = mapped_column(BigId)


class Note(Base):
    __tablename__ = "reservations_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("reservations_reservation.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(
        Text, info=field_info("対応メモ", multi_line=True, min_length=1, max_length=TEXT_MAX)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "reservations_notification"
    __table_args__ = (Index("ix_reservations_notification_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    reservation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("reservations_reservation.id", ondelete="SET NULL"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    outbox_message_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _incident_text(label: str) -> dict[str, Any]:
    """§5.3.1: edited by operators and support, in its list's CSV."""
    return field_info(label, exported=True, multi_line=True, max_length=TEXT_MAX)


class Incident(Base):
    """§5.3.1; §5.1: each level's target response time and escalation."""

    __tablename__ = "reservations_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), info=field_info("件名", exported=True, min_length=1))
    level: Mapped[str] = mapped_column(
        String(10), info=field_info("レベル", exported=True, choices=labels.INCIDENT_LEVELS)
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True, info=field_info("発生日時", exported=True))
    impact: Mapped[str] = mapped_column(Text, default="", info=_incident_text("影響範囲"))
    cause: Mapped[str] = mapped_column(Text, default="", info=_incident_text("原因"))
    response: Mapped[str] = mapped_column(Text, default="", info=_incident_text("対応内容"))
    recovered_at: Mapped[datetime | None] = mapped_column(info=field_info("復旧日時", exported=True))
    prevention: Mapped[str] = mapped_column(Text, default="", info=_incident_text("再発防止策"))
    responded_at: Mapped[datetime | None] = mapped_column(
        info=field_info("対応日時", exported=True)  # §5.2's 応急処置 or 対応
    )
    # Set by 経営陣に報告 (or the sweeper), audited as that action.
    escalated_at: Mapped[datetime | None] = mapped_column(info=field_info("経営陣への報告日時", group="escalation"))
    escalated_by: Mapped[str] = mapped_column(String(100), default="", info=field_info("報告者", group="escalation"))
    created_by: Mapped[str] = mapped_column(
        String(100), default="", info=field_info("記録者", audited=False, exported=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# A reservation's code as a person types it, case aside
CODE = r"[Qq][Rr][Vv]-[A-Za-z0-9]{6}"
CODE_WORDS = "「QRV-」と英数字6文字（例: QRV-7KX2M9）"
CODE_PATTERN = matching(rf"^{CODE}$", CODE_WORDS)


class SupportInquiry(Base):
    """§7. first_answered_at feeds the 初回応答時間 KPI."""

    __tablename__ = "reservations_support_inquiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(
        String(10), info=field_info("チャネル", exported=True, choices=labels.INQUIRY_CHANNELS)
    )
    status: Mapped[str] = mapped_column(
        String(20),
        default="open",
        info=field_info("対応状況", exported=True, choices=labels.INQUIRY_STATUSES),
    )
    requester_type: Mapped[str] = mapped_column(
        String(10),
        info=field_info("問い合わせ元", exported=True, choices=labels.INQUIRY_REQUESTER_TYPES),
    )
    requester: Mapped[str] = mapped_column(String(100), info=field_info("問い合わせ者", exported=True, min_length=1))
    # Named by its code in the body, the CSV and the audit.
    reservation_id: Mapped[int | None] = mapped_column(
        BigId,
        ForeignKey("reservations_reservation.id", ondelete="SET NULL"),
        index=True,
        info=field_info(
            "予約ID",
            exported=True,
            pattern=matching(rf"^(?:{CODE})?$", CODE_WORDS),
            pattern_words=CODE_WORDS,
        ),
    )
    # When no reservation names them (an inquiry about one falls back to its requester's).
    contact_phone: Mapped[str] = mapped_column(
        String(20),
        default="",
        info=field_info("連絡先電話番号", exported=True, max_length=PHONE_MAX, **PHONE_SHAPE),
    )
    contact_email: Mapped[str] = mapped_column(
        String(254), default="", info=field_info("連絡先メールアドレス", exported=True, **EMAIL_SHAPE)
    )
    received_at: Mapped[datetime] = mapped_column(index=True, info=field_info("受付日時", exported=True))
    question: Mapped[str] = mapped_column(
        Text,
        default="",
        info=field_info("問い合わせ内容", exported=True, multi_line=True, min_length=1, max_length=TEXT_MAX),
    )
    first_responded_at: Mapped[datetime | None] = mapped_column(info=field_info("初回応答日時", exported=True))
    answer: Mapped[str] = mapped_column(
        Text,
        default="",
        info=field_info("回答内容", exported=True, multi_line=True, max_length=TEXT_MAX),
    )
    resolved_at: Mapped[datetime | None] = mapped_column(index=True, info=field_info("解決日時", exported=True))
    satisfaction: Mapped[int | None] = mapped_column(info=field_info("顧客満足度", exported=True, minimum=1, maximum=5))
    satisfaction_source: Mapped[str | None] = mapped_column(
        String(10), info=field_info("満足度の回答者", exported=True, choices=labels.SATISFACTION_SOURCES)
    )
    survey_sent_at: Mapped[datetime | None] = mapped_column(
        info=field_info("アンケート送信日時", audited=False, exported=True)
    )
    created_by: Mapped[str] = mapped_column(
        String(100), default="", info=field_info("記録者", audited=False, exported=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MonthlyStat(Base):
    """Recomputed nightly."""

    __tablename__ = "reservations_monthly_stat"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    key_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(100), default="")
    reservations: Mapped[int] = mapped_column(default=0)
    confirmed: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


SLACK_MEMBER_WORDS = "UまたはWで始まる英大文字と数字（例: U012AB3CD）"
SLACK_MEMBER_PATTERN = matching(SLACK_MEMBER_ID, SLACK_MEMBER_WORDS)  # "": mentioned by name


class OnCallRotation(Base):
    """§2.3.1 オンコール対応 1名（輪番）: turns by week or by day through its members in order; one row (oncall.py)."""

    __tablename__ = "reservations_oncall_rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), info=field_info("交代の単位", choices=labels.ONCALL_PERIODS))
    starts_on: Mapped[date] = mapped_column(info=field_info("起算日（最初の当番日）"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list["OnCallMember"]] = relationship(
        lazy="selectin", order_by="OnCallMember.position", cascade="all, delete-orphan"
    )


class OnCallMember(Base):
    __tablename__ = "reservations_oncall_member"
    __table_args__ = (UniqueConstraint("rotation_id", "user_id"), UniqueConstraint("rotation_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("reservations_oncall_rotation.id", ondelete="CASCADE"), info=field_info("当番表", audited=False)
    )
    position: Mapped[int] = mapped_column(info=field_info("順番", audited=False))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), index=True, info=field_info("担当者")
    )
    phone: Mapped[str] = mapped_column(
        String(20),
        info=field_info("呼び出し先の電話番号", max_length=PHONE_MAX, **PHONE_SHAPE),
    )
    slack_user_id: Mapped[str] = mapped_column(
        String(21),
        default="",
        info=field_info("SlackメンバーID", pattern=SLACK_MEMBER_PATTERN, pattern_words=SLACK_MEMBER_WORDS),
    )

    user: Mapped[User] = relationship(lazy="selectin")


class OnCallOverride(Base):
    """Each shift from 9:00 to the next day's 9:00."""

    __tablename__ = "reservations_oncall_override"
    __table_args__ = (Index("ix_reservations_oncall_override_days", "end_date", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), info=field_info("代番の担当者")
    )
    start_date: Mapped[date] = mapped_column(info=field_info("代番の開始日"))
    end_date: Mapped[date] = mapped_column(info=field_info("代番の終了日"))
    note: Mapped[str] = mapped_column(String(200), default="", info=field_info("メモ"))
    created_by: Mapped[str] = mapped_column(String(100), default="", info=field_info("登録者", audited=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="selectin")


class Page(Base):
    """One per operation or incident (paging.py)."""

    __tablename__ = "reservations_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations_manual_operation.id", ondelete="CASCADE"), unique=True
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations_incident.id", ondelete="CASCADE"), unique=True
    )
    next_step: Mapped[int] = mapped_column(default=0)
    next_step_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageStep(Base):
    __tablename__ = "reservations_page_step"
    __table_args__ = (UniqueConstraint("page_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("reservations_page.id", ondelete="CASCADE"))
    step: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    paged_at: Mapped[datetime]
    acknowledge_by: Mapped[datetime]


def as_dict(row: Base) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def get_or_404(db: Session, model: type[B], object_id: Any, what: str) -> B:
    row = db.get(model, object_id)
    if row is None:
        raise NotFound(f"指定された{what}は見つかりません", details={"resource": model.__tablename__, "id": object_id})
    return row
