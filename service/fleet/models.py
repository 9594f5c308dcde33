"""Fleet (端末管理) tables."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, validates

from service.config import get_settings
from service.database import Base, utcnow
from service.dialect import BigId, insert_rows
from service.fields import field_info
from service.fleet import labels
from service.fleet.stores import store_of
from service.import_jobs import FirstRowIndex, SheetPiece, SheetUpload
from service.schemas import EMAIL_SHAPE

SERIAL_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,49}$"
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,19}$"
VERSION_WORDS = "英数字で始まる、英数字と「.」「_」「+」「-」の1〜20文字"
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
NOTE_MAX = 2000
PHONE_PATTERN = r"^[+() -]*[0-9][0-9+() -]*$"

OPEN_ALERT = text("status <> 'resolved'")
UNMAILED_RESOLUTION = text("status = 'resolved' AND resolved_digest_id IS NULL")
ACTIVE_TASK = text("status IN ('pending', 'in_progress', 'installed')")


class Customer(Base):
    __tablename__ = "fleet_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(
        String(100),
        unique=True,
        info=field_info("会社名", searched=True, exported=True, min_length=1),
    )
    contact_person: Mapped[str] = mapped_column(String(50), default="", info=field_info("担当者", exported=True))
    contact_email: Mapped[str] = mapped_column(
        String(254), default="", info=field_info("連絡先メール", exported=True, **EMAIL_SHAPE)
    )
    contact_phone: Mapped[str] = mapped_column(
        String(20),
        default="",
        info=field_info(
            "電話番号",
            exported=True,
            pattern=PHONE_PATTERN,
            pattern_words="数字を含む、半角数字と「+」「-」「(」「)」・空白",
        ),
    )
    contract_type: Mapped[str] = mapped_column(
        String(20),
        default="basic",
        info=field_info("契約種別", exported=True, choices=labels.CONTRACT_TYPES),
    )
    # Local time (Japan): a terminal silent while the stores are closed raises its alert at opening.
    opens_at: Mapped[time | None] = mapped_column(Time, info=field_info("開店時刻", group="hours", exported=True))
    closes_at: Mapped[time | None] = mapped_column(Time, info=field_info("閉店時刻", group="hours", exported=True))
    closed_weekdays: Mapped[list[Any]] = mapped_column(  # 0 = Monday … 6 = Sunday
        default=list, info=field_info("定休日", group="hours", exported=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


ALERT_HELD = text("offline_alert_held")
OFFLINE = text("status = 'offline'")


class Terminal(Base):
    """Every heartbeat rewrites this row, so the columns a beat changes stay unindexed and pages keep room (fillfactor
    70): PostgreSQL then updates the row in place (HOT), without touching any index."""

    __tablename__ = "fleet_terminal"
    __table_args__ = (
        Index("ix_fleet_terminal_customer_status", "customer_id", "status"),
        Index("ix_fleet_terminal_customer_store", "customer_id", "store"),
        Index("ix_fleet_terminal_alert_held", "customer_id", postgresql_where=ALERT_HELD, sqlite_where=ALERT_HELD),
        Index("ix_fleet_terminal_offline_alert_at", "offline_alert_at"),  # the sweep's due terminals (never a beat's)
        # The few the sweep checks for an outage left without an alert
        Index("ix_fleet_terminal_offline", "offline_alert_at", postgresql_where=OFFLINE, sqlite_where=OFFLINE),
        {"postgresql_with": {"fillfactor": 70}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_number: Mapped[str] = mapped_column(
        String(50),
        unique=True,
        info=field_info(
            "シリアル番号",
            searched=True,
            exported=True,
            pattern=SERIAL_PATTERN,
            pattern_words="英数字で始まる、英数字と「_」「-」の1〜50文字",
        ),
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_customer.id", ondelete="RESTRICT"),
        info=field_info("顧客企業", exported=True),
    )
    store_name: Mapped[str] = mapped_column(
        String(100), info=field_info("設置店舗名", searched=True, exported=True, min_length=1)
    )
    # From 設置店舗名 (stores.py)
    store: Mapped[str] = mapped_column(
        String(100),
        default=lambda context: store_of(context.get_current_parameters()["store_name"]),
        info=field_info("店舗", searched=True, exported=True),
    )
    status: Mapped[str] = mapped_column(
        String(20), default="offline", info=field_info("状態", exported=True, choices=labels.TERMINAL_STATUSES)
    )
    reported_status: Mapped[str] = mapped_column(String(20), default="offline")
    firmware_version: Mapped[str] = mapped_column(
        String(20),
        default="1.0.0",
        info=field_info(
            "ファームウェア",  # at registration; then the agent reports it
            exported=True,
            pattern=VERSION_PATTERN,
            pattern_words=VERSION_WORDS,
        ),
    )
    agent_version: Mapped[str] = mapped_column(String(20), default="")
    last_heartbeat_at: Mapped[datetime | None]
    offline_deadline_at: Mapped[datetime | None]
    offline_since: Mapped[datetime | None]
    # Offline while its store was closed or in a maintenance window: the alert waits for opening.
    offline_alert_held: Mapped[bool] = mapped_column(default=False, server_default=false())
    offline_alert_at: Mapped[datetime | None]  # raised or folded into a store alert
    installed_date: Mapped[date | None] = mapped_column(Date, info=field_info("設置日", exported=True))
    cpu_usage: Mapped[float] = mapped_column(Float, default=0)
    memory_usage: Mapped[float] = mapped_column(Float, default=0)
    disk_usage: Mapped[float] = mapped_column(Float, default=0)
    # Each streaked alert kind's beats in a row at its threshold (positive), or below it while its alert is open
    # (negative): {"high_cpu": 2} (kinds.AlertKind.streak).
    usage_streaks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_message: Mapped[str] = mapped_column(String(500), default="")
    interval_seconds: Mapped[int] = mapped_column(default=lambda: get_settings().fleet_heartbeat_interval_seconds)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @validates("store_name")
    def _name_sets_store(self, _key: str, store_name: str) -> str:
        self.store = store_of(store_name)
        return store_name


class EnrollmentCode(Base):
    """Only its hash is kept."""

    __tablename__ = "fleet_enrollment_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def step_time(step: str) -> Any:
    """Set by its action, audited under the step's word."""
    return mapped_column(nullable=True, info=field_info(labels.STEP_LABELS[step]))


WORK_STATUS = field_info("状態", exported=True, choices=labels.ALERT_STATUSES)


class SlaWork:
    """An incident is worked as one, its steps applied to its alerts."""

    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"),
        info=field_info("担当者", exported=True),
    )
    acknowledged_at: Mapped[datetime | None] = step_time("acknowledged")
    acknowledged_by: Mapped[str] = mapped_column(String(100), default="")
    diagnosed_at: Mapped[datetime | None] = step_time("diagnosed")
    diagnosed_by: Mapped[str] = mapped_column(String(100), default="")
    customer_contacted_at: Mapped[datetime | None] = step_time("customer_contacted")
    customer_contacted_by: Mapped[str] = mapped_column(String(100), default="")
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[datetime | None] = step_time("reported")
    reported_by: Mapped[str] = mapped_column(String(100), default="")


class Incident(SlaWork, Base):
    """Many of one customer's terminals went offline together."""

    __tablename__ = "fleet_incident"
    __table_args__ = (
        Index(
            "uq_fleet_incident_open",
            "customer_id",
            "alert_type",
            unique=True,
            postgresql_where=OPEN_ALERT,
            sqlite_where=OPEN_ALERT,
        ),
        Index(
            "ix_fleet_incident_unmailed_resolution",
            "resolved_at",
            postgresql_where=UNMAILED_RESOLUTION,
            sqlite_where=UNMAILED_RESOLUTION,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("fleet_customer.id", ondelete="CASCADE"), index=True)
    alert_type: Mapped[str] = mapped_column(String(20), default="offline")
    status: Mapped[str] = mapped_column(String(20), default="open", info=WORK_STATUS)
    terminal_count: Mapped[int] = mapped_column(default=0)
    store_count: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_digest.id", ondelete="SET NULL"), index=True)
    resolved_digest_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_digest.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = step_time("resolved")
    resolution: Mapped[str] = mapped_column(
        Text,
        default="",
        info=field_info("対応内容", exported=True, multi_line=True, max_length=NOTE_MAX),
    )


class Digest(Base):
    """Grouped as in Alertmanager (group wait, group interval)."""

    __tablename__ = "fleet_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    alert_count: Mapped[int] = mapped_column(default=0)
    recipient_count: Mapped[int] = mapped_column(default=0)


class Alert(SlaWork, Base):
    """open → acknowledged → resolved."""

    __tablename__ = "fleet_alert"
    __table_args__ = (
        Index(
            "uq_fleet_alert_open",
            "terminal_id",
            "alert_type",
            unique=True,
            postgresql_where=OPEN_ALERT,
            sqlite_where=OPEN_ALERT,
        ),
        Index("ix_fleet_alert_customer_created", "customer_id", "created_at"),
        Index("ix_fleet_alert_status_created", "status", "created_at"),
        Index("ix_fleet_alert_undigested", "digest_id", "created_at"),
        Index(
            "ix_fleet_alert_unmailed_resolution",
            "resolved_at",
            postgresql_where=UNMAILED_RESOLUTION,
            sqlite_where=UNMAILED_RESOLUTION,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("fleet_customer.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_incident.id", ondelete="SET NULL"), index=True)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_digest.id", ondelete="SET NULL"))
    resolved_digest_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_digest.id", ondelete="SET NULL"))
    alert_type: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", info=WORK_STATUS)
    resolved_at: Mapped[datetime | None] = step_time("resolved")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertNote(Base):
    __tablename__ = "fleet_alert_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("fleet_alert.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20),
        default="note",
        server_default="note",
        info=field_info("記録の種類", choices=labels.ALERT_NOTE_KINDS, audited=False),
    )
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(
        Text, info=field_info("対応メモ", multi_line=True, min_length=1, max_length=NOTE_MAX)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentNote(Base):
    __tablename__ = "fleet_incident_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("fleet_incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20), info=field_info("記録の種類", choices=labels.INCIDENT_NOTE_KINDS, audited=False)
    )
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, info=field_info("記録", multi_line=True, min_length=1, max_length=NOTE_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TerminalEvent(Base):
    """Deduplicated by its client id."""

    __tablename__ = "fleet_terminal_event"
    __table_args__ = (
        UniqueConstraint("terminal_id", "client_event_id"),
        Index("ix_fleet_terminal_event_terminal_occurred", "terminal_id", "occurred_at"),
        Index("ix_fleet_terminal_event_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"))
    client_event_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    level: Mapped[str] = mapped_column(String(10), default="info")
    kind: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text, default="")


class MetricSample(Base):
    __tablename__ = "fleet_metric_sample"
    __table_args__ = (
        Index("ix_fleet_metric_sample_terminal_recorded", "terminal_id", "recorded_at"),
        Index("ix_fleet_metric_sample_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime]
    cpu: Mapped[float] = mapped_column(Float)
    memory: Mapped[float] = mapped_column(Float)
    disk: Mapped[float] = mapped_column(Float)


class MetricHourly(Base):
    __tablename__ = "fleet_metric_hourly"
    __table_args__ = (
        UniqueConstraint("terminal_id", "hour"),
        Index("ix_fleet_metric_hourly_hour", "hour"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"))
    hour: Mapped[datetime]
    samples: Mapped[int]
    cpu_min: Mapped[float] = mapped_column(Float)
    cpu_avg: Mapped[float] = mapped_column(Float)
    cpu_max: Mapped[float] = mapped_column(Float)
    memory_min: Mapped[float] = mapped_column(Float)
    memory_avg: Mapped[float] = mapped_column(Float)
    memory_max: Mapped[float] = mapped_column(Float)
    disk_min: Mapped[float] = mapped_column(Float)
    disk_avg: Mapped[float] = mapped_column(Float)
    disk_max: Mapped[float] = mapped_column(Float)


class FleetState(Base):
    """`ingest_stalled_since` is the last heartbeat before an alerted intake stall, until the recovery."""

    __tablename__ = "fleet_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_ingest_at: Mapped[datetime | None]
    grace_until: Mapped[datetime | None]
    ingest_stalled_since: Mapped[datetime | None]
    rolled_until: Mapped[datetime | None]


def fleet_state(db: Session) -> FleetState:
    state = db.get(FleetState, 1)
    if state is None:
        insert_rows(db, FleetState, [{"id": 1}], ignore_conflicts=True)
        state = db.get_one(FleetState, 1)
    return state


class MaintenanceWindow(Base):
    """Local time. The offline alerts it holds back are mailed as a digest when each occurrence ends."""

    __tablename__ = "fleet_maintenance_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_customer.id", ondelete="CASCADE"), index=True, info=field_info("顧客企業")
    )
    store_name: Mapped[str] = mapped_column(  # a store, or one terminal's 設置店舗名; "" = every store of the customer
        String(100), default="", info=field_info("店舗")
    )
    recurrence: Mapped[str] = mapped_column(String(10), info=field_info("繰り返し", choices=labels.RECURRENCES))
    weekday: Mapped[int | None] = mapped_column(info=field_info("曜日"))  # weekly: 0 = Monday …
    start_time: Mapped[time] = mapped_column(Time, info=field_info("開始時刻"))
    duration_minutes: Mapped[int] = mapped_column(info=field_info("時間（分）", minimum=1, maximum=24 * 60))
    until: Mapped[date] = mapped_column(Date, info=field_info("終了日"))
    reason: Mapped[str] = mapped_column(String(200), info=field_info("理由"))
    digested_until: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FirmwareRelease(Base):
    """Checked against the SHA-256 its vendor published."""

    __tablename__ = "fleet_firmware_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        info=field_info("バージョン", exported=True, pattern=VERSION_PATTERN, pattern_words=VERSION_WORDS),
    )
    sha256: Mapped[str] = mapped_column(
        String(64),
        info=field_info("SHA-256", exported=True, pattern=SHA256_PATTERN, pattern_words="16進数（0〜9・a〜f）64文字"),
    )
    size: Mapped[int] = mapped_column(BigInteger, info=field_info("サイズ（バイト）", exported=True))
    filename: Mapped[str] = mapped_column(String(200), info=field_info("ファイル名", exported=True))
    notes: Mapped[str] = mapped_column(
        Text,
        default="",
        info=field_info("リリースノート", exported=True, multi_line=True, max_length=2000),
    )
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rollout(Base):
    """Waves of cumulative percentages, e.g. [1, 10, 100]."""

    __tablename__ = "fleet_rollout"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("fleet_firmware_release.id", ondelete="RESTRICT"),
        index=True,
        info=field_info("ファームウェア"),
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_customer.id", ondelete="CASCADE"), index=True)
    # a customer, terminal ids or a terminal filter; its entry holds the terminals it chose (端末数)
    target: Mapped[dict[str, Any]] = mapped_column(default=dict, info=field_info("対象", audited=False))
    waves: Mapped[list[Any]] = mapped_column(default=list, info=field_info("波（累積%）", exported=True))
    current_wave: Mapped[int] = mapped_column(default=0)
    accepted_failures: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(
        String(20),
        default="running",
        info=field_info("状態", exported=True, choices=labels.ROLLOUT_STATUSES),
    )
    paused_reason: Mapped[str] = mapped_column(  # why it paused: by the operator's action, or by its failures
        String(200), default="", info=field_info("一時停止の理由", choices=labels.PAUSE_REASONS)
    )
    failure_threshold_pct: Mapped[float] = mapped_column(
        Float,
        default=10.0,
        info=field_info("失敗率のしきい値（%）", exported=True, minimum=0.0, maximum=100.0),
    )
    timeout_minutes: Mapped[int] = mapped_column(
        default=30, info=field_info("1台の制限時間（分）", exported=True, minimum=1, maximum=7 * 24 * 60)
    )
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Command(Base):
    """An instruction for one terminal's agent, delivered in a heartbeat response."""

    __tablename__ = "fleet_command"
    __table_args__ = (
        Index(
            "ix_fleet_command_pending",
            "terminal_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    state: Mapped[str] = mapped_column(String(20), default="")
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Not handed out after this (a restart: the terminal's offline deadline when queued); cancelled instead.
    expires_at: Mapped[datetime | None]


class UpdateTask(Base):
    """One terminal's part of a rollout: queued → pending → in_progress → installed → succeeded (or a failure)."""

    __tablename__ = "fleet_update_task"
    __table_args__ = (
        UniqueConstraint("rollout_id", "terminal_id"),
        Index("ix_fleet_update_task_active", "terminal_id", postgresql_where=ACTIVE_TASK, sqlite_where=ACTIVE_TASK),
        Index("ix_fleet_update_task_wave", "rollout_id", "wave", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("fleet_rollout.id", ondelete="CASCADE"))
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"))
    command_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_command.id", ondelete="SET NULL"), index=True)
    wave: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Diagnostic(Base):
    """Log lines an agent uploaded for a collect_diagnostics command."""

    __tablename__ = "fleet_diagnostic"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("fleet_terminal.id", ondelete="CASCADE"), index=True)
    command_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_command.id", ondelete="SET NULL"), index=True)
    collected_at: Mapped[datetime]
    lines: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TerminalImportPiece(SheetPiece, Base):
    """A piece of an import's file, as read (service/import_jobs.py)."""

    __tablename__ = "fleet_import_piece"
    import_table = "fleet_terminal_import"


class TerminalImport(SheetUpload, Base):
    """An import of terminals run as a job, reading its file first; the page polls its progress and rejected rows."""

    __tablename__ = "fleet_terminal_import"
    pieces = TerminalImportPiece

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    scope_customer_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str] = mapped_column(String(500), default="")  # why it failed, as the person reads it
    processed_rows: Mapped[int] = mapped_column(default=0)
    accepted_rows: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[list[Any]] = mapped_column(default=list)  # import_jobs.Report's: row, serial_number, errors
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def rejected_rows(self) -> int:
        """Every row checked is added or refused; the refused are listed only in part (import_jobs.Report)."""
        return self.processed_rows - self.accepted_rows


class TerminalImportFirstRow(FirstRowIndex, Base):
    """The first row of an import's file holding a serial (the rows that repeat it are copies)."""

    __tablename__ = "fleet_import_first_row"
    import_table = "fleet_terminal_import"


class Escalation(Base):
    """A §4.2 step of an open alert or incident that went past due: its support leads were told once (e-mail and
    Slack, the outbox rows written in the same transaction as this row)."""

    __tablename__ = "fleet_escalation"
    __table_args__ = (
        UniqueConstraint("alert_id", "step"),
        UniqueConstraint("incident_id", "step"),
        CheckConstraint("(alert_id IS NULL) <> (incident_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_alert.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_incident.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("fleet_customer.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A person's filters of a fleet list (端末一覧, アラート一覧, インシデント) saved by name: 保存したビュー."""

    __tablename__ = "fleet_saved_view"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"))
    page: Mapped[str] = mapped_column(String(20), info=field_info("画面", choices=labels.VIEW_PAGES))
    name: Mapped[str] = mapped_column(String(50), info=field_info("ビュー名", min_length=1))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict, info=field_info("絞り込み条件"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
