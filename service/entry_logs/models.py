"""Nurseries, parents, children, attendance and the parents' entry/exit logs."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base, utcnow
from service.dialect import BigId
from service.entry_logs.kinds import AttendanceStatus, DecidedBy, EntryMode, EntryType, PickupKind
from service.entry_logs.labels import ATTENDANCE_LABELS, ENTRY_MODES
from service.fields import field_info
from service.import_jobs import SheetPiece, SheetUpload

# Parent ids are what the barcode carries: up to 10 digits, so 64-bit BigId (plain INTEGER on SQLite, its rowid alias).

# The codes the rules name (kinds.py declares them with their words).
ENTRY, EXIT = EntryType.ENTRY.value, EntryType.EXIT.value
ENTRY_TYPES = (ENTRY, EXIT)
AUTO, MANUAL = EntryMode.AUTO.value, EntryMode.MANUAL.value
PRESENCE, TOGGLE, STAFF = DecidedBy.PRESENCE.value, DecidedBy.TOGGLE.value, DecidedBy.STAFF.value
PRESENT, ABSENT = AttendanceStatus.PRESENT.value, AttendanceStatus.ABSENT.value
ATTENDANCE_STATUSES = (PRESENT, ABSENT)
RESTRICTED, ONE_DAY = PickupKind.RESTRICTED.value, PickupKind.ONE_DAY.value
PICKUP_KINDS = (RESTRICTED, ONE_DAY)  # entry_logs_pickup_rule's kinds (a guardian has no rule)


def reading_info() -> dict[str, Any]:
    """Typed in hiragana or katakana, half-width too, stored in hiragana (schemas.hiragana turns the katakana before the
    rule is checked, so a form may check it as typed)."""
    return field_info(
        "ふりがな",
        searched=True,
        exported=True,
        pattern=r"^[ぁ-ゖァ-ヶー 　]*$",
        pattern_words="ひらがな・カタカナと空白",
    )


class Nursery(Base):
    """Without an entry-exit password its scan stations cannot log in."""

    __tablename__ = "entry_logs_nursery"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(32),
        unique=True,
        info=field_info(
            "保育園コード",
            pattern=r"^[A-Za-z0-9_-]+$",
            pattern_words="英数字と「_」「-」",
            min_length=1,
        ),
    )
    name: Mapped[str] = mapped_column(String(100), info=field_info("保育園名", min_length=1))
    entry_exit_password_hash: Mapped[str | None] = mapped_column(String(100))
    # The hash the stations' tokens were made from, once a sign-in has rehashed the password at another cost
    # (security.rehashed): that signs no station out. None: the hash itself (station.set_password clears it)
    station_password_stamp: Mapped[str | None] = mapped_column(String(100))
    # Raised to sign out every station of the nursery; part of the station tokens' password fingerprint
    station_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Local time: parents still inside then are listed and the admins told once a day
    closing_time: Mapped[time | None] = mapped_column(info=field_info("閉園時刻"))
    closing_notice_date: Mapped[date | None]
    entry_mode: Mapped[str] = mapped_column(
        String(10), default=AUTO, server_default=AUTO, info=field_info("入/出の判定", choices=ENTRY_MODES)
    )
    # bcrypt; None: the lookup is off
    station_pin_hash: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @hybrid_property
    def station_stamp(self) -> str | None:
        """What the station tokens' password fingerprint is of (station.password_fingerprint)."""
        return self.station_password_stamp or self.entry_exit_password_hash

    @station_stamp.inplace.expression
    @classmethod
    def _station_stamp_in_sql(cls) -> ColumnElement[str | None]:
        return func.coalesce(cls.station_password_stamp, cls.entry_exit_password_hash)


class StationSession(Base):
    """Its token carries this id, so one station can be signed out alone."""

    __tablename__ = "entry_logs_station_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[str] = mapped_column(String(64), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
    signed_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    # At most every STATION_SEEN_EVERY, so a heartbeat rarely writes
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_out_at: Mapped[datetime | None]


class StationName(Base):
    """The name staff give a scan station, shown wherever its logs are (its id is the device's own: a host name, or
    browser-… made by the browser station)."""

    __tablename__ = "entry_logs_station_name"

    nursery_id: Mapped[int] = mapped_column(
        ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), primary_key=True, info=field_info("保育園")
    )
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True, info=field_info("端末ID"))
    name: Mapped[str] = mapped_column(String(50), info=field_info("端末名", min_length=1))


class Guardian(Base):
    __tablename__ = "entry_logs_guardian"

    child_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_child.id", ondelete="CASCADE"), primary_key=True)
    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("entry_logs_parent.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Parent(Base):
    __tablename__ = "entry_logs_parent"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    nursery_id: Mapped[int] = mapped_column(
        ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True, info=field_info("保育園")
    )
    name: Mapped[str] = mapped_column(
        String(100), info=field_info("保護者名", searched=True, exported=True, min_length=1)
    )
    name_kana: Mapped[str] = mapped_column(String(100), default="", server_default="", info=reading_info())
    phone: Mapped[str] = mapped_column(
        String(20),
        default="",
        info=field_info(
            "電話番号",
            searched=True,
            exported=True,
            pattern=r"^[0-9+\-() ]*$",
            pattern_words="半角数字と「+」「-」「(」「)」・空白",
        ),
    )
    # The phone barcode link (parent_links.py): only a link of the current version works, and none while revoked
    link_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    link_revoked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A 「本日のみ」 person (pickup/service.py): their children are their pickup rules' (kind one_day), never guardians.
    relation: Mapped[str] = mapped_column(
        String(50), default="", server_default="", info=field_info("続柄", group="pass")
    )
    pass_date: Mapped[date | None] = mapped_column(info=field_info("有効日", group="pass"))
    is_pass: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Only while the adult has pickup rules does an exit scan look them up
    pickup_check: Mapped[bool] = mapped_column(default=False, server_default=false())
    photo_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # 0: no photo (ParentPhoto)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    children: Mapped[list["Child"]] = relationship(
        secondary="entry_logs_guardian", back_populates="parents", order_by="Child.id", lazy="selectin"
    )


class Child(Base):
    __tablename__ = "entry_logs_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    nursery_id: Mapped[int] = mapped_column(
        ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True, info=field_info("保育園")
    )
    name: Mapped[str] = mapped_column(
        String(100), info=field_info("園児名", searched=True, exported=True, min_length=1)
    )
    name_kana: Mapped[str] = mapped_column(String(100), default="", server_default="", info=reading_info())
    class_name: Mapped[str] = mapped_column(
        String(50), default="", info=field_info("クラス", searched=True, exported=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parents: Mapped[list[Parent]] = relationship(
        secondary="entry_logs_guardian", back_populates="children", order_by="Parent.id", lazy="selectin"
    )


class Attendance(Base):
    __tablename__ = "entry_logs_attendance"
    __table_args__ = (
        UniqueConstraint("child_id", "attendance_date"),
        CheckConstraint("status IN ('present', 'absent')", name="status"),
        Index("ix_entry_logs_attendance_nursery_date", "nursery_id", "attendance_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_child.id", ondelete="CASCADE"))
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"))
    attendance_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), info=field_info("出席状態", choices=ATTENDANCE_LABELS))
    note: Mapped[str] = mapped_column(String(200), default="", info=field_info("備考", multi_line=True))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EntryLog(Base):
    """Never edited; soft-deleted with who/when/why."""

    __tablename__ = "entry_logs_log"
    __table_args__ = (
        CheckConstraint("entry_type IN ('Entry', 'Exit')", name="entry_type"),
        UniqueConstraint("nursery_id", "client_scan_id"),
        # A parent's logs (double-scan check, name filters, the FK): covering, so their counts need no table reads.
        Index(
            "ix_entry_logs_log_parent_occurred",
            "parent_id",
            "occurred_at",
            "id",
            "entry_type",
            "nursery_id",
            "deleted_at",
        ),
        # The list, its count, attendance, 園内にいる保護者 and the heatmap read live logs from this covering index.
        Index(
            "ix_entry_logs_log_nursery_occurred",
            "nursery_id",
            "occurred_at",
            "id",
            "entry_type",
            "parent_id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index("ix_entry_logs_log_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    parent_id: Mapped[int] = mapped_column(BigId, ForeignKey("entry_logs_parent.id", ondelete="CASCADE"))
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"))
    entry_type: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    station_id: Mapped[str | None] = mapped_column(String(64))
    client_scan_id: Mapped[str | None] = mapped_column(String(64))
    # Kept where it differs from occurred_at (a tablet whose clock drifts)
    station_scanned_at: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(100))  # no station
    manual_reason: Mapped[str | None] = mapped_column(String(200))  # 再登録
    decided_by: Mapped[str] = mapped_column(String(10), default=TOGGLE, server_default=TOGGLE)
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    delete_reason: Mapped[str | None] = mapped_column(String(200))


class LogHourCount(Base):
    """Per UTC hour and type: totalCount without a year's scan."""

    __tablename__ = "entry_logs_hour_count"

    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), primary_key=True)
    hour_start: Mapped[datetime] = mapped_column(primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    live_count: Mapped[int] = mapped_column(default=0)


class RosterImportPiece(SheetPiece, Base):
    """A piece of an import's file, as read (service/import_jobs.py)."""

    __tablename__ = "entry_logs_roster_import_piece"
    import_table = "entry_logs_roster_import"


class RosterImport(SheetUpload, Base):
    __tablename__ = "entry_logs_roster_import"
    pieces = RosterImportPiece

    id: Mapped[int] = mapped_column(primary_key=True)
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # Blank rows not counted: also the index of the row the next batch starts at
    processed_rows: Mapped[int] = mapped_column(default=0)
    parents_created: Mapped[int] = mapped_column(default=0)
    children_created: Mapped[int] = mapped_column(default=0)
    links_created: Mapped[int] = mapped_column(default=0)
    rejected_rows: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[list[Any]] = mapped_column(default=list)  # import_jobs.Report's: row, reason, values
    actor: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the actor of its audit entries
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PickupRule(Base):
    __tablename__ = "entry_logs_pickup_rule"
    __table_args__ = (CheckConstraint("kind IN ('restricted', 'one_day')", name="kind"),)

    child_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_child.id", ondelete="CASCADE"), primary_key=True)
    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("entry_logs_parent.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(200), default="", info=field_info("お迎え不可の理由"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParentPhoto(Base):
    """Never in a CSV or a log line."""

    __tablename__ = "entry_logs_parent_photo"

    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("entry_logs_parent.id", ondelete="CASCADE"), primary_key=True
    )
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"), index=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PickupAlert(Base):
    """Listed for staff until one of them acknowledges it."""

    __tablename__ = "entry_logs_pickup_alert"
    __table_args__ = (Index("ix_entry_logs_pickup_alert_nursery_open", "nursery_id", "acknowledged_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"))
    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("entry_logs_log.id", ondelete="CASCADE"), unique=True)
    parent_id: Mapped[int] = mapped_column(BigId, ForeignKey("entry_logs_parent.id", ondelete="CASCADE"), index=True)
    child_names: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class CareHours(Base):
    """A change applies from its date, so an earlier month keeps the hours it was computed with."""

    __tablename__ = "entry_logs_care_hours"
    __table_args__ = (
        UniqueConstraint("nursery_id", "effective_from"),
        CheckConstraint("unit_minutes > 0", name="unit_minutes"),
        CheckConstraint("opening_time < closing_time", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nursery_id: Mapped[int] = mapped_column(ForeignKey("entry_logs_nursery.id", ondelete="CASCADE"))
    effective_from: Mapped[date] = mapped_column(info=field_info("適用開始日"))
    opening_time: Mapped[time] = mapped_column(info=field_info("保育開始時刻"))
    closing_time: Mapped[time] = mapped_column(info=field_info("保育終了時刻"))
    unit_minutes: Mapped[int] = mapped_column(info=field_info("延長保育の単位（分）"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
