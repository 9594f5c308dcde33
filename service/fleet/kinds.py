"""The fleet's kinds, each declared once as a `StrEnum` whose members carry their Japanese words (and an alert kind its
facts). labels.py's tables (the vocabulary), the API's types and OpenAPI enums, the CSV words and the rules read them.

A new alert kind is a member of `AlertKind` here, the rule that raises it, and its tests."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from service.words import Kind, kind_member


class Source(StrEnum):
    """What raises an alert."""

    HEARTBEAT = "heartbeat"  # a beat's report: a beat clears it again
    SWEEP = "sweep"  # the offline sweep (monitoring.py)
    ROLLOUT = "rollout"  # a firmware rollout's task (rollouts/firmware.py)


class Place(StrEnum):
    """What an alert is about: its terminal (「新宿店 レジ1番（TC200-0001）」) or its terminal's store (「新宿店」)."""

    TERMINAL = "terminal"
    STORE = "store"


@dataclass(frozen=True)
class Usage:
    """A store PC load a streak of beats at the threshold opens (and as many below resolve): the beat's field, the
    terminal's column and its words."""

    metric: str  # HeartbeatIn's field: "cpu"
    column: str  # Terminal's: "cpu_usage"
    label: str


@dataclass(frozen=True)
class AlertFacts:
    label: str
    source: Source
    importance: int = 0  # §3.2 重要アラート's order: 0 a terminal (or store) that cannot take payments, 1 the PC's load
    place: Place = Place.TERMINAL
    usage: Usage | None = None


class AlertKind(Kind):
    """An alert's type (fleet_alert.alert_type)."""

    source: Source
    importance: int
    place: Place
    usage: Usage | None

    def __new__(cls, value: str, facts: AlertFacts) -> Self:
        return kind_member(
            cls,
            value,
            facts.label,
            source=facts.source,
            importance=facts.importance,
            place=facts.place,
            usage=facts.usage,
        )

    OFFLINE = "offline", AlertFacts("オフライン", Source.SWEEP)
    ERROR = "error", AlertFacts("エラー", Source.HEARTBEAT)
    HIGH_CPU = (
        "high_cpu",
        AlertFacts(
            "店舗PC CPU使用率高", Source.HEARTBEAT, importance=1, usage=Usage("cpu", "cpu_usage", "店舗PC CPU使用率")
        ),
    )
    HIGH_MEMORY = (
        "high_memory",
        AlertFacts(
            "店舗PCメモリ使用率高",
            Source.HEARTBEAT,
            importance=1,
            usage=Usage("memory", "memory_usage", "店舗PCメモリ使用率"),
        ),
    )
    UPDATE_FAILED = "update_failed", AlertFacts("更新失敗", Source.ROLLOUT)
    STORE_OFFLINE = "store_offline", AlertFacts("店舗オフライン", Source.SWEEP, place=Place.STORE)

    @property
    def streak(self) -> bool:
        """Opened and resolved by a streak of beats (its count kept in fleet_terminal.usage_streaks)."""
        return self.usage is not None

    @property
    def cleared_by_beat(self) -> bool:
        """A terminal's condition: a beat that no longer reports it resolves it (an offline terminal heard again)."""
        return self.place is Place.TERMINAL and self.source is not Source.ROLLOUT

    @classmethod
    def usages(cls) -> tuple[tuple["AlertKind", Usage], ...]:
        """The streaked kinds and their loads."""
        return tuple((kind, kind.usage) for kind in cls if kind.usage is not None)

    @classmethod
    def of_place(cls, place: Place) -> tuple["AlertKind", ...]:
        return tuple(kind for kind in cls if kind.place is place)


def facts_table() -> dict[str, dict[str, Any]]:
    """Each alert kind's facts as the vocabulary serves them (the pages blank a store alert's serial number)."""
    return {
        kind.value: {"label": kind.label, "place": kind.place.value, "importance": kind.importance}
        for kind in AlertKind
    }


class TerminalStatus(Kind):
    ONLINE = "online", "オンライン"
    OFFLINE = "offline", "オフライン"
    ERROR = "error", "エラー"
    MAINTENANCE = "maintenance", "メンテナンス中"


class ContractType(Kind):
    BASIC = "basic", "ベーシック保守"
    STANDARD = "standard", "スタンダード保守"
    PREMIUM = "premium", "プレミアム保守"


class AlertStatus(Kind):
    """An alert's or an incident's."""

    OPEN = "open", "未対応"
    ACKNOWLEDGED = "acknowledged", "対応中"
    RESOLVED = "resolved", "解決済み"


class EventLevel(Kind):
    INFO = "info", "情報"
    WARNING = "warning", "警告"
    ERROR = "error", "エラー"


class CommandType(Kind):
    FIRMWARE_UPDATE = "firmware_update", "ファームウェア更新"
    COLLECT_DIAGNOSTICS = "collect_diagnostics", "診断ログ取得"
    SET_INTERVAL = "set_interval", "通信間隔の変更"
    RESTART = "restart", "再起動"  # the TC-200's payment application (agent/device.py), not the store PC


class Recurrence(Kind):
    DAILY = "daily", "毎日"
    WEEKLY = "weekly", "毎週"


class TerminalBulkAction(Kind):
    """一括操作 on terminals; a disruptive one (it stops the terminals' alerts, or their payments for a while) asks for
    confirmation with its count first, saying what it `interrupts`."""

    interrupts: str

    def __new__(cls, value: str, label: str, interrupts: str = "") -> Self:
        return kind_member(cls, value, label, interrupts=interrupts)

    MAINTENANCE_ON = (
        "maintenance_on",
        "メンテナンス開始",
        "メンテナンス中の端末はオフラインになってもアラートが上がりません。",
    )
    MAINTENANCE_OFF = "maintenance_off", "メンテナンス終了"
    DIAGNOSTICS = "diagnostics", "診断ログ取得"
    RESTART = "restart", "再起動", "再起動の間（1〜2分）、端末では決済できません。"

    @property
    def disruptive(self) -> bool:
        return bool(self.interrupts)


class AlertBulkAction(Kind):
    """一括操作 on alerts and incidents."""

    ACKNOWLEDGE = "acknowledge", "初動確認"
    ASSIGN = "assign", "担当者を設定"
    RESOLVE = "resolve", "解決"


class Record(Kind):
    """What §4.2's work is on: an alert, or a customer incident standing for its alerts."""

    ALERT = "alert", "アラート"
    INCIDENT = "incident", "インシデント"


class ViewPage(Kind):
    """保存したビュー: the lists whose filters a person can save by name."""

    TERMINALS = "terminals", "端末一覧"
    ALERTS = "alerts", "アラート一覧"
    INCIDENTS = "incidents", "インシデント"
