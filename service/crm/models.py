"""代理店CRM tables (spec §2, §8, §9). Every row that belongs to an agency carries `agency_id`, the column tenant
scoping filters on."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from service.crm.kinds import RequestStatus
from service.database import Base, utcnow
from service.fields import ACTIVE, field_info

# The statuses the rules name (kinds.RequestStatus declares them with their words).
IN_PROGRESS = RequestStatus.IN_PROGRESS.value
DEFICIENT = RequestStatus.DEFICIENT.value
SUBMITTED = RequestStatus.SUBMITTED.value
CANCELLED = RequestStatus.CANCELLED.value
PARTLY_CANCELLED = RequestStatus.PARTLY_CANCELLED.value  # a request only: its sites 投入済, but for those cancelled
STATUSES = tuple(status.value for status in RequestStatus if status.of_site)  # a site's

DEFICIENCY = "deficiency"
COMMENT = "comment"
RESUBMISSION = "resubmission"
COMMENT_TYPES = (DEFICIENCY, COMMENT, RESUBMISSION)

SALES_SIDE = "sales"
BACK_OFFICE = "back_office"

TEXT_MAX = 2000  # a Text column: the API's and forms'
OPTION_CODE_MAX, CHOICE_CODE_MAX = 20, 10  # the masters' codes (OPT001002; a choice's 1, 01, 10)
STAFF_CODE_MAX = 20  # 営業担当者コード, Lコード (LCK0A0AY)


def staff_code(label: str) -> dict[str, Any]:
    """For the carrier's screens."""
    pattern, words = rf"^[A-Za-z0-9]{{0,{STAFF_CODE_MAX}}}$", f"英数字{STAFF_CODE_MAX}文字以内"
    return field_info(label, exported=True, pattern=pattern, pattern_words=words)


def master_code(length: int) -> dict[str, Any]:
    pattern, words = rf"^[A-Za-z0-9_-]{{1,{length}}}$", f"英数字と「_」「-」の1〜{length}文字"
    return field_info("コード", pattern=pattern, pattern_words=words)


class Agency(Base):
    __tablename__ = "crm_agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), info=field_info("代理店名", exported=True, min_length=1))
    code: Mapped[str] = mapped_column(String(30), unique=True, info=field_info("代理店コード", exported=True))
    referral_shop_code: Mapped[str] = mapped_column(
        String(30), default="", info=field_info("紹介店コード", exported=True)
    )
    referral_shop_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("紹介店名", exported=True))
    contact_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("担当者名", exported=True))
    phone: Mapped[str] = mapped_column(String(20), default="", info=field_info("電話番号", exported=True, phone=True))
    mail_address: Mapped[str] = mapped_column(String(254), default="", info=field_info("メールアドレス", exported=True))
    is_active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Profile(Base):
    """§2.2. The role is the crm grant."""

    __tablename__ = "crm_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_agency.id", ondelete="RESTRICT"),
        index=True,
        info=field_info("代理店", exported=True),
    )
    sales_staff_code: Mapped[str] = mapped_column(
        String(STAFF_CODE_MAX), default="", info=staff_code("営業担当者コード")
    )
    l_code: Mapped[str] = mapped_column(String(STAFF_CODE_MAX), default="", info=staff_code("Lコード"))
    is_sales_manager: Mapped[bool] = mapped_column(  # a sales person who sees the whole agency's cases
        default=False, info=field_info("営業マネージャー", exported=True)
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Corporation(Base):
    """§2.4. Card data is stored encrypted."""

    __tablename__ = "crm_corporation"
    __table_args__ = (
        Index("ix_crm_corporation_agency_name", "agency_id", "display_name"),
        Index("ix_crm_corporation_corporation_number", "corporation_number"),
        # Trigram indexes for the name searches (PostgreSQL; SQLite builds plain indexes the searches do not use).
        Index(
            "ix_crm_corporation_name_trgm",
            "display_name",
            postgresql_using="gin",
            postgresql_ops={"display_name": "gin_trgm_ops"},
        ),
        Index(
            "ix_crm_corporation_kana_trgm",
            "last_name_kana",
            postgresql_using="gin",
            postgresql_ops={"last_name_kana": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    display_name: Mapped[str] = mapped_column(String(101))
    customer_type: Mapped[str] = mapped_column(String(2), info=field_info("契約者区分"))
    corporation_number: Mapped[str] = mapped_column(String(13), default="", info=field_info("法人番号"))
    last_name: Mapped[str] = mapped_column(String(50), info=field_info("契約者名（姓）", min_length=1))
    first_name: Mapped[str] = mapped_column(String(50), default="", info=field_info("契約者名（名）"))
    last_name_kana: Mapped[str] = mapped_column(String(100), default="", info=field_info("契約者名カナ（セイ）"))
    first_name_kana: Mapped[str] = mapped_column(String(100), default="", info=field_info("契約者名カナ（メイ）"))
    representative_last_name: Mapped[str] = mapped_column(String(50), default="", info=field_info("代表者名（姓）"))
    representative_first_name: Mapped[str] = mapped_column(String(50), default="", info=field_info("代表者名（名）"))
    representative_last_name_kana: Mapped[str] = mapped_column(
        String(100), default="", info=field_info("代表者カナ（セイ）")
    )
    representative_first_name_kana: Mapped[str] = mapped_column(
        String(100), default="", info=field_info("代表者カナ（メイ）")
    )
    zip_code: Mapped[str] = mapped_column(String(8), default="", info=field_info("郵便番号"))
    prefecture: Mapped[str] = mapped_column(String(4), default="", info=field_info("都道府県"))
    city: Mapped[str] = mapped_column(String(50), default="", info=field_info("市区町村"))
    town: Mapped[str] = mapped_column(String(50), default="", info=field_info("町域"))
    street: Mapped[str] = mapped_column(String(100), default="", info=field_info("字・丁目＋番地号"))
    building_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("建物名"))
    phone1: Mapped[str] = mapped_column(String(13), default="", info=field_info("連絡先番号1"))
    phone2: Mapped[str] = mapped_column(String(13), default="", info=field_info("連絡先番号2"))
    mail_address: Mapped[str] = mapped_column(String(254), default="", info=field_info("メールアドレス"))
    birthday: Mapped[date | None] = mapped_column(Date, info=field_info("生年月日"))
    representative_birthday: Mapped[date | None] = mapped_column(Date, info=field_info("代表者の生年月日"))
    job_type: Mapped[str] = mapped_column(String(3), default="", info=field_info("業種"))
    payment_type: Mapped[str] = mapped_column(String(2), info=field_info("支払方法", min_length=1))
    card_number_encrypted: Mapped[str | None] = mapped_column(Text)
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_security_code_encrypted: Mapped[str | None] = mapped_column(Text)
    card_revision: Mapped[int] = mapped_column(default=0)
    credit_card_expire_month: Mapped[str] = mapped_column(
        String(2), default="", info=field_info("カード有効期限（月）")
    )
    credit_card_expire_year: Mapped[str] = mapped_column(String(4), default="", info=field_info("カード有効期限（年）"))
    credit_card_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("カード名義"))
    invoice: Mapped[str] = mapped_column(String(1), default="0", info=field_info("請求明細"))
    payment_certificate: Mapped[str] = mapped_column(String(1), default="0", info=field_info("支払証明"))
    billing_address_same: Mapped[bool] = mapped_column(default=True, info=field_info("請求書送付先が契約者住所と同一"))
    billing_zip_code: Mapped[str] = mapped_column(String(8), default="", info=field_info("請求書送付先郵便番号"))
    billing_prefecture: Mapped[str] = mapped_column(String(4), default="", info=field_info("請求書送付先都道府県"))
    billing_city: Mapped[str] = mapped_column(String(50), default="", info=field_info("請求書送付先市区町村"))
    billing_town: Mapped[str] = mapped_column(String(50), default="", info=field_info("請求書送付先町域"))
    billing_street: Mapped[str] = mapped_column(String(100), default="", info=field_info("請求書送付先番地"))
    billing_building: Mapped[str] = mapped_column(String(100), default="", info=field_info("請求書送付先建物名"))
    billing_customer_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("請求書送付先宛名"))
    sales_channel_id: Mapped[str] = mapped_column(String(2), default="", info=field_info("営業チャネル"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Request(Base):
    """§2.3: its status is recomputed from its sites (§4.2). The seconds it spent in 不備 are time waiting on the
    agency."""

    __tablename__ = "crm_request"
    __table_args__ = (
        Index("ix_crm_request_created", "created_at", "id"),
        Index("ix_crm_request_status_created", "status", "created_at"),
        Index("ix_crm_request_agency_created", "agency_id", "created_at"),
        Index("ix_crm_request_requested_by_created", "requested_by", "created_at"),
        Index("ix_crm_request_corporation_id", "corporation_id"),
        Index("ix_crm_request_assigned_to", "assigned_to"),
        Index(  # 投入済までの日数: the 投入済 requests' spans by agency and 依頼日, read without the table
            "ix_crm_request_submitted_span",
            "agency_id",
            "created_at",
            "closed_at",
            "id",
            postgresql_where=text("status = 'submitted'"),
            sqlite_where=text("status = 'submitted'"),
        ),
        Index(
            "ix_crm_request_unassigned",
            "created_at",
            "id",
            postgresql_where=text("status = 'in_progress' AND assigned_to IS NULL"),
            sqlite_where=text("status = 'in_progress' AND assigned_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    corporation_id: Mapped[int] = mapped_column(ForeignKey("crm_corporation.id", ondelete="RESTRICT"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    whole_deficiency: Mapped[bool] = mapped_column(default=False)
    ever_deficient: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None]
    remarks: Mapped[str] = mapped_column(
        Text, default="", info=field_info("備考", multi_line=True, max_length=TEXT_MAX)
    )
    site_count: Mapped[int] = mapped_column(default=1, info=field_info("申告地点数", exported=True))
    # No ON DELETE: users are deactivated, never deleted (and SQLite's reflection could not see one added in place)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    assigned_at: Mapped[datetime | None]
    # when someone of the back office first opened it; None: nobody has, so it is 未読 to the back office
    opened_at: Mapped[datetime | None]
    status_since: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    deficient_seconds: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Site(Base):
    """§2.5."""

    __tablename__ = "crm_site"
    __table_args__ = (
        Index("ix_crm_site_request_id", "request_id"),
        Index("ix_crm_site_corporation_status", "corporation_id", "status"),
        Index("ix_crm_site_agency_status_submitted", "agency_id", "status", "submitted_at"),
        Index("ix_crm_site_status_submitted", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id", ondelete="RESTRICT"))
    corporation_id: Mapped[int] = mapped_column(ForeignKey("crm_corporation.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    submitted_at: Mapped[datetime | None]
    pps_business_number: Mapped[str] = mapped_column(String(20), default="", info=field_info("PPS番号"))
    application_type: Mapped[str] = mapped_column(String(2), default="", info=field_info("申込区分"))
    power_plan_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("契約プラン"))
    contract_capacity: Mapped[str] = mapped_column(String(20), default="", info=field_info("契約容量"))
    power_area: Mapped[str] = mapped_column(String(2), default="", info=field_info("電力供給エリア"))
    power_supplier_type: Mapped[str] = mapped_column(String(2), default="", info=field_info("現在の電力会社"))
    power_customer_number: Mapped[str] = mapped_column(String(30), default="", info=field_info("お客様番号"))
    power_customer_location_number: Mapped[str] = mapped_column(
        String(22), default="", info=field_info("供給地点特定番号")
    )
    power_zip_code: Mapped[str] = mapped_column(String(8), default="", info=field_info("使用場所郵便番号"))
    power_prefecture: Mapped[str] = mapped_column(String(4), default="", info=field_info("使用場所都道府県"))
    power_city: Mapped[str] = mapped_column(String(50), default="", info=field_info("使用場所市区町村"))
    power_town: Mapped[str] = mapped_column(String(50), default="", info=field_info("使用場所町域"))
    power_street: Mapped[str] = mapped_column(String(100), default="", info=field_info("使用場所番地"))
    power_building: Mapped[str] = mapped_column(String(100), default="", info=field_info("使用場所建物"))
    power_room_number: Mapped[str] = mapped_column(String(20), default="", info=field_info("部屋番号"))
    power_building_type: Mapped[str] = mapped_column(String(30), default="", info=field_info("建物区分"))
    power_branch_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("店舗名"))
    power_customer_name: Mapped[str] = mapped_column(String(100), default="", info=field_info("名義"))
    power_customer_name_kana: Mapped[str] = mapped_column(String(200), default="", info=field_info("名義カナ"))
    latest_charges: Mapped[int | None] = mapped_column(info=field_info("最新の明細料金（円）", money=True))
    latest_power_usage: Mapped[int | None] = mapped_column(info=field_info("最新の電力使用量（kWh）"))
    latest_date: Mapped[str] = mapped_column(String(7), default="", info=field_info("最新の明細年月"))
    option_plans: Mapped[list[Any]] = mapped_column(default=list, info=field_info("オプションサービス"))
    moving_in_date: Mapped[date | None] = mapped_column(Date, info=field_info("入居日/開業日"))
    note: Mapped[str] = mapped_column(
        Text, default="", info=field_info("メモ/備考", multi_line=True, max_length=TEXT_MAX)
    )
    service_type: Mapped[str] = mapped_column(String(10), default="electric", info=field_info("サービス種別"))
    contract_corporation_type: Mapped[str] = mapped_column(
        String(30), default="", info=field_info("契約者法人種別（エコログガス用）")
    )
    saisan_gas_yoto: Mapped[str] = mapped_column(String(30), default="", info=field_info("サイサンガス専用業種"))
    ecolog_gas_yoto: Mapped[str] = mapped_column(String(30), default="", info=field_info("エコログガス用途分類"))
    power_amounts_form: Mapped[str] = mapped_column(String(20), default="", info=field_info("力率"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Image(Base):
    """§2.6: the file lives under the storage root."""

    __tablename__ = "crm_image"
    __table_args__ = (
        Index("ix_crm_image_request_id", "request_id"),
        Index("ix_crm_image_site_id", "site_id"),
        Index(
            "ix_crm_image_ocr_waiting",
            "ocr_queued_at",
            "id",
            postgresql_where=text("ocr_queued_at IS NOT NULL"),
            sqlite_where=text("ocr_queued_at IS NOT NULL"),
        ),
        Index("ix_crm_image_agency_ocr_started", "agency_id", "ocr_started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id", ondelete="RESTRICT"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("crm_site.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    file_name: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(200), unique=True)
    thumbnail_path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    sha256: Mapped[str] = mapped_column(String(64))
    ocr_result: Mapped[dict[str, Any] | None]  # service/crm/ocr/reading.py
    ocr_page_path: Mapped[str | None] = mapped_column(String(200))  # the page as read; the proposals' boxes are on it
    # Its turn to be read (service/crm/ocr/turns.py): waiting since; its last read's start (its agency's turn, and
    # the claim a result is recorded under); claimed until (past it, the reader is taken for lost); reads started.
    ocr_queued_at: Mapped[datetime | None]
    ocr_started_at: Mapped[datetime | None]
    ocr_lease_until: Mapped[datetime | None]
    ocr_attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class OcrReview(Base):
    """A field of a site saved from a bill OCR read: kept as proposed (accepted), corrected, or typed where nothing
    was proposed (`proposed` and `confidence` None); the share accepted is a named figure
    (service/crm/ocr/acceptance.py)."""

    __tablename__ = "crm_ocr_review"
    __table_args__ = (Index("ix_crm_ocr_review_agency_reviewed", "agency_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("crm_site.id", ondelete="SET NULL"))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("crm_image.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(40))
    proposed: Mapped[str | None] = mapped_column(String(200))
    saved: Mapped[str] = mapped_column(String(200))
    accepted: Mapped[bool]
    confidence: Mapped[float | None] = mapped_column(Float)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """§2.7. Who of the `audience` side has read it is each person's `ReadMark` (§2.7's `is_read`, kept per person)."""

    __tablename__ = "crm_comment"
    __table_args__ = (
        Index("ix_crm_comment_request_created", "request_id", "created_at"),
        Index("ix_crm_comment_request_audience", "request_id", "audience", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id", ondelete="RESTRICT"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("crm_site.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("crm_agency.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(20))
    # Written once by its author, never changed
    message: Mapped[str] = mapped_column(
        Text, info=field_info("内容", audited=False, multi_line=True, min_length=1, max_length=TEXT_MAX)
    )
    snapshot: Mapped[dict[str, Any] | None]
    changes: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadMark(Base):
    """A comment addressed to their side beyond `read_through` is unread (未読) for them alone."""

    __tablename__ = "crm_read_mark"

    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id", ondelete="CASCADE"), primary_key=True)
    read_through: Mapped[int]
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "crm_notification"
    __table_args__ = (
        Index("ix_crm_notification_user_unread", "user_id", "read_at", "created_at"),
        Index("ix_crm_notification_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("crm_comment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(300))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OptionService(Base):
    __tablename__ = "crm_option_service"

    code: Mapped[str] = mapped_column(String(OPTION_CODE_MAX), primary_key=True, info=master_code(OPTION_CODE_MAX))
    name: Mapped[str] = mapped_column(String(100), info=field_info("オプション名", min_length=1))
    price_label: Mapped[str] = mapped_column(String(50), info=field_info("料金"))
    is_support_pack: Mapped[bool] = mapped_column(default=False, info=field_info("サポートパック"))
    sort_order: Mapped[int] = mapped_column(default=0, info=field_info("表示順"))
    is_active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    version: Mapped[int] = mapped_column(default=1)


class Choice(Base):
    __tablename__ = "crm_choice"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(CHOICE_CODE_MAX), primary_key=True, info=master_code(CHOICE_CODE_MAX))
    label: Mapped[str] = mapped_column(String(50), info=field_info("表示名", min_length=1))
    sort_order: Mapped[int] = mapped_column(default=0, info=field_info("表示順"))
    is_active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE))
    version: Mapped[int] = mapped_column(default=1)
