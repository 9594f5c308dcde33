"""The reservations' kinds, each declared once as a `StrEnum` whose members carry their Japanese words and facts (a
priority's 対応時間目標, an operation type's priority, an incident level's §5.1 policy, an inquiry channel's 初回応答
target, a rotation period's days). labels.py's tables (the vocabulary), the API's types and OpenAPI enums, the CSV
words and the rules read them."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from service.words import Kind, kind_member


class ReservationStatus(Kind):
    RECEIVED = "received", "受付済み"
    CALLING = "calling", "電話代行中"
    PENDING_SHOP_RESPONSE = "pending_shop_response", "提携店回答待ち"
    CHANGE_REQUESTED = "change_requested", "変更依頼対応中"
    ALL_DECLINED = "all_declined", "全店予約NG"
    CALLING_SUCCESS = "calling_success", "予約OK（決済リンク送信中）"
    AWAITING_PAYMENT = "awaiting_payment", "決済待ち"
    PAYMENT_TIMEOUT = "payment_timeout", "決済期限切れ"
    CONFIRMED = "confirmed", "予約確定"
    COMPLETED = "completed", "利用済み"
    CANCELLED = "cancelled", "キャンセル"


class Priority(Kind):
    """A manual operation's; `minutes`: its 対応時間目標, counted in the team's hours unless `round_the_clock`."""

    minutes: int
    round_the_clock: bool

    def __new__(cls, value: str, label: str, minutes: int, round_the_clock: bool = False) -> Self:
        return kind_member(cls, value, label, minutes=minutes, round_the_clock=round_the_clock)

    URGENT = "urgent", "緊急", 30, True
    HIGH = "high", "高", 60
    MEDIUM = "medium", "中", 120
    LOW = "low", "低", 24 * 60


class OperationType(Kind):
    """§2.2.1–2.2.6, in the spec's order, and the priority an operation of the type opens with."""

    priority: Priority

    def __new__(cls, value: str, label: str, priority: Priority) -> Self:
        return kind_member(cls, value, label, priority=priority)

    ALL_SHOPS_DECLINED = "all_shops_declined", "全店舗予約NG", Priority.HIGH
    SMS_FAILED = "sms_failed", "SMS送信が全リトライ失敗", Priority.URGENT
    # only when the requester asks (§2.2.3); a payment-system failure is urgent
    PAYMENT_TIMEOUT = "payment_timeout", "決済リンク期限切れ・決済の問題", Priority.LOW
    AMBIGUOUS_ANSWER = "ambiguous_answer", "提携店からの曖昧な回答", Priority.HIGH
    CHANGE_REQUEST = "change_request", "提携店からの予約内容変更依頼", Priority.MEDIUM
    LATE_CANCELLATION = "late_cancellation", "キャンセル期限超過後のキャンセル依頼", Priority.MEDIUM
    # beyond the six: the shop holding a cancelled booking has no e-mail (a one-off shop found by phone); the shop
    # keeps a slot for nobody until it is phoned
    SHOP_CANCEL_CALL = "shop_cancel_call", "提携店への仮予約キャンセルの電話連絡", Priority.HIGH
    # beyond the six: no listed shop may be called now (calls' budget, hours, 自動電話停止): not 全店NG; the requester
    # waits as after 全店NG
    SHOPS_UNAVAILABLE = (
        "shops_unavailable",
        "提携店に自動電話できない（上限・営業時間外・自動電話停止）",
        Priority.HIGH,
    )


class OperationStatus(Kind):
    """A manual operation's; an `open` one is still to be done."""

    open: bool

    def __new__(cls, value: str, label: str, open: bool = False) -> Self:
        return kind_member(cls, value, label, open=open)

    OPEN = "open", "未対応", True
    IN_PROGRESS = "in_progress", "対応中", True
    RESOLVED = "resolved", "対応済み"


@dataclass(frozen=True)
class LevelPolicy:
    """§5.1: 定義, 対応時間目標 and エスカレーション in words, and their minutes (escalation None: the weekly
    report)."""

    definition: str
    target: str
    escalation: str
    response_minutes: int
    escalation_minutes: int | None


class IncidentLevel(Kind):
    policy: LevelPolicy

    def __new__(cls, value: str, label: str, policy: LevelPolicy) -> Self:
        return kind_member(cls, value, label, policy=policy)

    CRITICAL = (
        "critical",
        "Critical",
        LevelPolicy("システム全体停止、決済システム障害", "30分以内", "即座に経営陣に報告", 30, 0),
    )
    HIGH = "high", "High", LevelPolicy("一部機能停止、外部API障害", "1時間以内", "2時間以内に経営陣に報告", 60, 120)
    MEDIUM = (
        "medium",
        "Medium",
        LevelPolicy("パフォーマンス劣化、マニュアルオペ多発", "2時間以内", "24時間以内に報告", 120, 24 * 60),
    )
    LOW = "low", "Low", LevelPolicy("軽微な不具合、一時的なエラー", "24時間以内", "週次報告で共有", 24 * 60, None)


class InquiryChannel(Kind):
    """§7 サポート体制: how a person asks, and its 初回応答時間目標 in words and seconds (即時 is within the minute a
    phone call's times are entered to)."""

    target: str
    target_seconds: int

    def __new__(cls, value: str, label: str, target: str, target_seconds: int) -> Self:
        return kind_member(cls, value, label, target=target, target_seconds=target_seconds)

    EMAIL = "email", "Email", "2時間以内", 2 * 3600
    PHONE = "phone", "電話", "即時（1分以内）", 60


class InquiryRequesterType(Kind):
    REQUESTER = "requester", "依頼者"
    SHOP = "shop", "提携店"


class InquiryStatus(Kind):
    OPEN = "open", "未対応"
    IN_PROGRESS = "in_progress", "対応中"
    RESOLVED = "resolved", "解決済"


class SendChannel(Kind):
    """How a link reaches the requester: the payment link's and the satisfaction survey's."""

    SMS = "sms", "SMS"
    EMAIL = "email", "メール"


class OnCallPeriod(Kind):
    """A rotation's turn, and its days."""

    days: int

    def __new__(cls, value: str, label: str, days: int) -> Self:
        return kind_member(cls, value, label, days=days)

    WEEK = "week", "週ごと", 7
    DAY = "day", "日ごと", 1


class Audience(Kind):
    """Whom a training manual is for."""

    REQUESTER = "requester", "ご依頼者向け"
    SHOP = "shop", "提携店向け"
    OPERATOR = "operator", "運営担当者向け"


class CallResult(StrEnum):
    """A shop call's result as the call figures count it, and the outcomes (labels.CALL_OUTCOMES) it takes."""

    outcomes: tuple[str, ...]

    def __new__(cls, value: str, *outcomes: str) -> Self:
        member = str.__new__(cls, value)
        member._value_, member.outcomes = value, outcomes
        return member

    ANSWERED = "answered", "accept", "decline", "ambiguous", "change_request"
    DECLINED = "declined", "decline"
    NO_ANSWER = "no_answer", "no_answer", "machine"
