"""Loaners (代替機) tables."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from service.database import Base, utcnow
from service.dialect import BigId
from service.fields import ACTIVE, ON_OFF, field_info
from service.import_jobs import FirstRowIndex, SheetPiece, SheetUpload
from service.loaners import labels
from service.schemas import EMAIL_SHAPE

HELD = text("held_since IS NOT NULL")  # in custody: a held status, or none yet (未分類)
AGED = text("held_status_since IS NOT NULL")  # in custody with a held status: since when it has it


class Location(Base):
    """拠点マスタ §3.1: 拠点コード is the first section of every management number."""

    __tablename__ = "loaners_location"

    id: Mapped[str] = mapped_column(
        String(20),
        primary_key=True,
        info=field_info(
            "拠点ID",
            pattern=r"^[a-z0-9]{1,20}$",
            pattern_words="英小文字と数字の1〜20文字",
        ),
    )
    code: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        info=field_info("拠点コード", pattern=r"^[A-Z]{1,20}$", pattern_words="英大文字1〜20文字"),
    )
    name: Mapped[str] = mapped_column(String(100), info=field_info("拠点名", min_length=1))
    jurisdiction: Mapped[str] = mapped_column(String(50), index=True, info=field_info("管轄", min_length=1))
    group_email: Mapped[str] = mapped_column(String(254), info=field_info("グループメールアドレス", **EMAIL_SHAPE))
    notify_status_change: Mapped[bool] = mapped_column(
        default=False, info=field_info("ステータス変更通知", words=ON_OFF)
    )
    status: Mapped[str] = mapped_column(
        String(10),
        default="active",
        info=field_info("ステータス", choices=labels.LOCATION_STATUSES),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Model(Base):
    """機種マスタ §2.2: number_section is the name as it appears in management numbers."""

    __tablename__ = "loaners_model"

    id: Mapped[str] = mapped_column(String(20), primary_key=True, info=field_info("機種ID"))
    name: Mapped[str] = mapped_column(
        String(100),
        unique=True,
        info=field_info(
            "機種名",
            pattern=r"^[^\s_\u3000]{1,100}$",  # §2.2.2: no spaces (half or full width), no underscore
            pattern_words="空白と「_」を含まない1〜100文字（語は「-」でつなぎます）",
        ),
    )
    maker: Mapped[str] = mapped_column(String(100), info=field_info("メーカー", min_length=1))
    category: Mapped[str] = mapped_column(String(10), info=field_info("カテゴリ", choices=labels.CATEGORY_NAMES))
    number_section: Mapped[str] = mapped_column(String(100), unique=True, info=field_info("管理番号のモデル部分"))
    note: Mapped[str] = mapped_column(String(200), default="", info=field_info("備考"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataType(Base):
    """データタイプマスタ §2.3."""

    __tablename__ = "loaners_data_type"

    id: Mapped[str] = mapped_column(
        String(30),
        primary_key=True,
        info=field_info(
            "データタイプID",
            pattern=r"^[A-Z][A-Z_]{0,29}$",
            pattern_words="英大文字で始まる、英大文字と「_」の1〜30文字",
        ),
    )
    name: Mapped[str] = mapped_column(String(50), info=field_info("データタイプ名", min_length=1))
    description: Mapped[str] = mapped_column(String(200), default="", info=field_info("説明"))
    display_order: Mapped[int] = mapped_column(unique=True, info=field_info("表示順序", minimum=1, maximum=10_000))
    filter_condition: Mapped[str] = mapped_column(String(500), default="", info=field_info("フィルタ条件"))
    source_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, info=field_info("データソース設定"))
    display_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, info=field_info("表示列設定"))
    status: Mapped[str] = mapped_column(
        String(10), default="active", info=field_info("ステータス", choices=labels.LOCATION_STATUSES)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Form(Base):
    __tablename__ = "loaners_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Question(Base):
    """A form question keyed like the spec ("1-4.ユーザー機の預り有無").

    status_prefix None: always shown. nested_prefix X (keys N-X-*): shown when the answer to N-0.* starts with "X.".
    condition: may be answered only when those answers hold (預かり機のステータス, §2.6.2)."""

    __tablename__ = "loaners_question"
    __table_args__ = (UniqueConstraint("form_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Its entries name the form by its kind ("form"), not by this id.
    form_id: Mapped[int] = mapped_column(
        ForeignKey("loaners_form.id", ondelete="CASCADE"),
        index=True,
        info=field_info("フォーム", audited=False),
    )
    key: Mapped[str] = mapped_column(String(100), info=field_info("キー", min_length=1))
    type: Mapped[str] = mapped_column(String(10), info=field_info("形式", choices=labels.QUESTION_TYPES))
    choices: Mapped[list[Any]] = mapped_column(default=list, info=field_info("選択肢"))
    required: Mapped[bool] = mapped_column(default=False, info=field_info("必須"))
    status_prefix: Mapped[str | None] = mapped_column(
        String(5),
        info=field_info("表示するステータスの番号", pattern=r"^\d{1,3}$", pattern_words="数字1〜3桁"),
    )
    nested_prefix: Mapped[str | None] = mapped_column(String(5), info=field_info("表示する回答の番号"))
    condition: Mapped[dict[str, Any]] = mapped_column(default=dict, info=field_info("表示条件"))
    help_text: Mapped[str] = mapped_column(String(200), default="", info=field_info("説明文"))
    position: Mapped[int] = mapped_column(default=0, info=field_info("表示位置"))
    active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(Base):
    """Its current state is its latest submission, copied here in the same transaction for the list filters. (No foreign
    key on current_submission_id: the two tables would reference each other.)"""

    __tablename__ = "loaners_device"
    __table_args__ = (
        # Counts and page ids of a 管轄 / location / kind / status read this index only.
        Index("ix_loaners_device_place", "location_id", "kind", "status", "management_number", "id"),
        # On SQLite the index is empty (WHERE 0).
        Index(
            "ix_loaners_device_number_trgm",
            "management_number",
            postgresql_using="gin",
            postgresql_ops={"management_number": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
        # Covers the summary, so it never reads the scattered device rows.
        Index(
            "ix_loaners_device_held",
            "held_status",
            "held_since",
            "id",
            "location_id",
            "model_id",
            postgresql_where=HELD,
            sqlite_where=HELD,
        ),
        # 返却待ち and SUMMARY's age figures: the devices of a held status by the days they have had it.
        Index(
            "ix_loaners_device_status_age",
            "held_status",
            "held_status_since",
            "id",
            "location_id",
            postgresql_where=AGED,
            sqlite_where=AGED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=field_info("ID"))
    # Given once, when the device is registered.
    management_number: Mapped[str] = mapped_column(
        String(100),
        unique=True,
        info=field_info(
            labels.COL_NUMBER,
            searched=True,
            exported=True,
            pattern=r"^[A-Za-z0-9-]+(_[A-Za-z0-9-]+){4}$",  # §4 3.4: its characters and five sections
            pattern_words=labels.NUMBER_FORMAT,
        ),
    )
    location_id: Mapped[str] = mapped_column(
        ForeignKey("loaners_location.id", ondelete="RESTRICT"),
        info=field_info("拠点", min_length=1),
    )
    model_id: Mapped[str] = mapped_column(
        ForeignKey("loaners_model.id", ondelete="RESTRICT"),
        index=True,
        info=field_info("機種", searched=True, min_length=1),
    )
    kind: Mapped[str] = mapped_column(
        String(10), index=True, info=field_info(labels.COL_KIND, exported=True, choices=labels.KINDS)
    )
    serial_number: Mapped[str] = mapped_column(  # duplicates are warned of
        String(20),
        index=True,
        info=field_info(
            labels.COL_SERIAL,
            searched=True,
            exported=True,
            pattern=r"^[A-Za-z0-9-]{1,20}$",
            pattern_words="英数字と「-」の1〜20文字",
        ),
    )
    asset_number: Mapped[str] = mapped_column(String(50), default="", info=field_info("資産管理番号", searched=True))
    software: Mapped[str] = mapped_column(String(100), default="", info=field_info("ソフトウェア"))
    os: Mapped[str] = mapped_column(String(100), default="", info=field_info("OS"))
    # The current state, written with each submission (audited as group "state").
    current_submission_id: Mapped[int | None] = mapped_column(
        BigId, unique=True, info=field_info("最新の回答", group="state")
    )
    status: Mapped[str | None] = mapped_column(
        String(100), index=True, info=field_info(labels.STATUS_KEY, group="state", exported=True)
    )
    held_status: Mapped[str | None] = mapped_column(
        String(100), info=field_info(labels.HELD_KEY, group="state", exported=True)
    )
    held_since: Mapped[datetime | None] = mapped_column(info=field_info("預かり開始日", group="state"))
    # status_age.py: computed in SQL from the submissions as they are written.
    held_status_since: Mapped[datetime | None] = mapped_column(info=field_info("この状態になった日時", audited=False))
    last_submitted_at: Mapped[datetime | None] = mapped_column(info=field_info("最終送信日時", audited=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # The column tenancy.get_scoped filters on.
    jurisdiction: Mapped[str] = column_property(
        select(Location.jurisdiction).where(Location.id == location_id).correlate_except(Location).scalar_subquery(),
        deferred=True,
    )


class DeviceSearch(Base):
    """A table of its own keeps the device rows narrow for the lists' scans and sorts (search_text.py writes it)."""

    __tablename__ = "loaners_device_search"
    __table_args__ = (
        # On SQLite the index is empty (WHERE 0).
        Index(
            "ix_loaners_device_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    device_id: Mapped[int] = mapped_column(ForeignKey("loaners_device.id", ondelete="CASCADE"), primary_key=True)
    search_text: Mapped[str] = mapped_column(Text, default="")


class BulkPick(Base):
    """Kept on the server so QR codes scanned one after another with a phone's camera add up. Neither audited nor
    exported."""

    __tablename__ = "loaners_bulk_pick"

    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("loaners_device.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """Appended, never edited; rotated away after 3 years."""

    __tablename__ = "loaners_submission"
    __table_args__ = (Index("ix_loaners_submission_device_time", "device_id", "submitted_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("loaners_device.id", ondelete="CASCADE"))
    form_id: Mapped[int] = mapped_column(ForeignKey("loaners_form.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    submitter_email: Mapped[str] = mapped_column(String(254))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str | None] = mapped_column(String(100))
    held_status: Mapped[str | None] = mapped_column(String(100))
    in_custody: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default="form")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("loaners_import.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Counter(Base):
    __tablename__ = "loaners_counter"

    prefix: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class ImportPiece(SheetPiece, Base):
    """A piece of an import's file, as read (service/import_jobs.py)."""

    __tablename__ = "loaners_import_piece"
    import_table = "loaners_import"


class SubmissionImport(SheetUpload, Base):
    __tablename__ = "loaners_import"
    pieces = ImportPiece

    id: Mapped[int] = mapped_column(primary_key=True)
    form_kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(default=False, server_default=false())  # read, then checked (else imported)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    processed_rows: Mapped[int] = mapped_column(default=0)
    accepted_rows: Mapped[int] = mapped_column(default=0)
    rejected_rows: Mapped[int] = mapped_column(default=0)
    created_devices: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[list[Any]] = mapped_column(default=list)
    checked_rows: Mapped[int] = mapped_column(default=0)
    planned_rows: Mapped[int] = mapped_column(default=0)
    duplicate_rows: Mapped[int] = mapped_column(default=0)
    unreadable_rows: Mapped[int] = mapped_column(default=0)
    outside_rows: Mapped[int] = mapped_column(default=0, server_default="0")  # another 管轄's location (管轄外)
    held_rows: Mapped[int] = mapped_column(default=0, server_default="0")  # a serial one edit from a known one
    planned_devices: Mapped[int] = mapped_column(default=0)
    plan: Mapped[list[Any]] = mapped_column(default=list)
    ignored_columns: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(String(500), default="")
    # None: every 管轄
    jurisdiction: Mapped[str | None] = mapped_column(String(50), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ImportFirstRow(FirstRowIndex, Base):
    """The first row of an import's file holding a device's number, or its number with a timestamp (the rows that
    repeat it are copies)."""

    __tablename__ = "loaners_import_first_row"
    import_table = "loaners_import"


class Rotation(Base):
    """§8.2. `running` is 1 only while it runs, so two runs never overlap."""

    __tablename__ = "loaners_rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    running: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    cutoff: Mapped[datetime]
    archived_rows: Mapped[int] = mapped_column(default=0)
    last_id: Mapped[int] = mapped_column(BigId, default=0)
    archive_folder: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ArchiveBlock(Base):
    """A batch is written device by device, so a device's history reads the few blocks that may hold its rows."""

    __tablename__ = "loaners_archive_block"
    __table_args__ = (Index("ix_loaners_archive_block_devices", "first_device_id", "last_device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("loaners_rotation.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(100))
    byte_offset: Mapped[int] = mapped_column(BigInteger)
    byte_length: Mapped[int]
    first_device_id: Mapped[int]
    last_device_id: Mapped[int]
    rows: Mapped[int]


class ReturnDigest(Base):
    """Claimed in the transaction that queues its e-mails, so overlapping or repeated runs send it once a week."""

    __tablename__ = "loaners_return_digest"

    location_id: Mapped[str] = mapped_column(ForeignKey("loaners_location.id", ondelete="CASCADE"), primary_key=True)
    week_start: Mapped[date] = mapped_column(primary_key=True)
    devices: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
