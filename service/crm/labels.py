"""代理店CRM wording: status names, comment types and the messages people read (spec's Japanese)."""

from service.audit.vocabulary import Target, Vocabulary, by_column, register
from service.crm.models import (
    CANCELLED,
    COMMENT,
    DEFICIENCY,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    SUBMITTED,
)

STATUS_LABELS = {DEFICIENT: "不備", IN_PROGRESS: "対応中", SUBMITTED: "投入済", CANCELLED: "キャンセル"}
STATUS_COLOURS = {DEFICIENT: "red", IN_PROGRESS: "yellow", SUBMITTED: "green", CANCELLED: "grey"}
COMMENT_TYPE_LABELS = {DEFICIENCY: "不備通知", COMMENT: "コメント", RESUBMISSION: "修正再提出"}
NOTIFICATION_KIND_LABELS = {DEFICIENCY: "不備通知", COMMENT: "コメント", SUBMITTED: "投入完了"}
# §9 選択肢マスタ: the kinds' names.
CHOICE_KIND_LABELS = {
    "sales_channel": "営業チャネル",
    "customer_type": "契約者区分",
    "payment_type": "支払方法",
    "application_type": "申込区分",
    "power_company": "電力会社",
    "power_area": "電力供給エリア",
    "building_type": "建物区分",
    "job_type": "業種",
}

# 投入案件一覧's CSV columns that 代理店別数値's 初回完了率 and 投入済までの日数 are taken over (service/crm/figures.py)
FIRST_TIME_RIGHT_COLUMN = "初回完了"
# A request's times (service/crm/timing.py, RequestTimes) as the lists and their CSV name them
TIME_LABELS = {
    "in_status_seconds": "ステータス経過",
    "total_seconds": "合計",
    "agency_seconds": "代理店待ち",
    "input_team_seconds": "投入担当",
}
DAYS_TO_SUBMITTED_COLUMN = "投入済までの日数"

ACQUIRED_CSV_HEADER = (
    "法人名",
    "法人番号",
    "代理店",
    "店舗名",
    "サービス種別",
    "契約プラン",
    "供給地点特定番号",
    "投入完了日",
    "依頼ID",
    "地点ID",
)

# §2.5 / §3.2 names of the fields a site needs before 投入済 (service.crm.completeness).
SITE_FIELD_LABELS = {
    "pps_business_number": "PPS番号",
    "application_type": "申込区分",
    "power_plan_name": "契約プラン",
    "contract_capacity": "契約容量",
    "power_supplier_type": "現在の電力会社",
    "power_customer_number": "お客様番号",
    "power_customer_location_number": "供給地点特定番号",
    "power_zip_code": "使用場所郵便番号",
    "power_prefecture": "使用場所都道府県",
    "power_city": "使用場所市区町村",
    "power_street": "使用場所番地",
    "power_customer_name": "名義",
    "power_customer_name_kana": "名義カナ",
    "latest_charges": "最新の明細料金（円）",
    "latest_power_usage": "最新の電力使用量（kWh）",
    "latest_date": "最新の明細年月",
    "moving_in_date": "入居日/開業日",
}

STALE = "他のユーザーが先に更新しました。最新の内容を読み込んでから、もう一度操作してください"
TRANSITION_NOT_ALLOWED = "「{before}」から「{after}」へは変更できません"
CANCEL_NOT_ALLOWED = "キャンセルできるのは「対応中」または「不備」の依頼・地点だけです"
CANCEL_FORBIDDEN = "キャンセルできるのは依頼した営業担当者か管理者だけです"
CLOSED_REQUEST = "投入済・キャンセルの依頼は変更できません"
CLOSED_SITE = "投入済・キャンセルの地点は編集できません"
NOT_DEFICIENT = "不備の依頼だけが修正再提出できます"
DEFICIENCY_NOT_ALLOWED = "不備を登録できるのは「対応中」または「不備」の依頼・地点だけです"
SECURITY_CODE_AGAIN = (
    "セキュリティコードは前回の依頼の投入完了時に削除されています。クレジットカード払いの法人に地点を追加するには、"
    "セキュリティコードをもう一度入力してください"
)
SECURITY_CODE_NOT_CARD = "セキュリティコードはクレジットカード払いの法人にだけ入力できます"
SECURITY_CODE_NEW_CORPORATION = "新規法人のセキュリティコードは法人情報の中で入力してください"
INACTIVE_AGENCY = "無効な代理店では投入依頼を作成できません"
REASON_REQUIRED = "不備理由を入力してください"
NOT_BACK_OFFICE = "担当者に選べるのは投入担当者か管理者だけです"

# §2.4 法人, §2.5 / §3.2 地点 and 代理店: every field's name, as the forms show it and the audit log names a change
# to it (served by GET /api/crm/vocabulary).
CORPORATION_FIELD_LABELS = {
    "customer_type": "契約者区分",
    "corporation_number": "法人番号",
    "last_name": "契約者名（姓）",
    "first_name": "契約者名（名）",
    "last_name_kana": "契約者名カナ（セイ）",
    "first_name_kana": "契約者名カナ（メイ）",
    "representative_last_name": "代表者名（姓）",
    "representative_first_name": "代表者名（名）",
    "representative_last_name_kana": "代表者カナ（セイ）",
    "representative_first_name_kana": "代表者カナ（メイ）",
    "zip_code": "郵便番号",
    "prefecture": "都道府県",
    "city": "市区町村",
    "town": "町域",
    "street": "字・丁目＋番地号",
    "building_name": "建物名",
    "phone1": "連絡先番号1",
    "phone2": "連絡先番号2",
    "mail_address": "メールアドレス",
    "birthday": "生年月日",
    "representative_birthday": "代表者の生年月日",
    "job_type": "業種",
    "sales_channel_id": "営業チャネル",
    "payment_type": "支払方法",
    "credit_card_number": "クレジットカード番号",
    "credit_card_expire_month": "カード有効期限（月）",
    "credit_card_expire_year": "カード有効期限（年）",
    "credit_card_name": "カード名義",
    "credit_card_security_code": "セキュリティコード",
    "invoice": "請求明細",
    "payment_certificate": "支払証明",
    "billing_address_same": "請求書送付先が契約者住所と同一",
    "billing_zip_code": "請求書送付先郵便番号",
    "billing_prefecture": "請求書送付先都道府県",
    "billing_city": "請求書送付先市区町村",
    "billing_town": "請求書送付先町域",
    "billing_street": "請求書送付先番地",
    "billing_building": "請求書送付先建物名",
    "billing_customer_name": "請求書送付先宛名",
}
SITE_AUDIT_FIELD_LABELS = SITE_FIELD_LABELS | {
    "service_type": "サービス種別",
    "power_area": "電力供給エリア",
    "power_town": "使用場所町域",
    "power_building": "使用場所建物",
    "power_room_number": "部屋番号",
    "power_building_type": "建物区分",
    "power_branch_name": "店舗名",
    "power_amounts_form": "力率",
    "contract_corporation_type": "契約者法人種別（エコログガス用）",
    "saisan_gas_yoto": "サイサンガス専用業種",
    "ecolog_gas_yoto": "エコログガス用途分類",
    "option_plans": "オプションサービス",
    "note": "メモ/備考",
}
AGENCY_FIELD_LABELS = {
    "name": "代理店名",
    "code": "代理店コード",
    "referral_shop_code": "紹介店コード",
    "referral_shop_name": "紹介店名",
    "contact_name": "担当者名",
    "phone": "電話番号",
    "mail_address": "メールアドレス",
    "is_active": "有効",
}

# The other fields the API's messages and the audit log name (served with the forms' by the vocabulary too).
OTHER_FIELD_LABELS = {
    "version": "版",
    "base": "編集を始めた時点の内容",
    "payload": "依頼内容",
    "images": "明細画像",
    "clear_agency": "代理店の解除",
    "remarks": "備考",
    "site_count": "地点数",
    "status": "ステータス",
    "reason": "理由",
    "message": "内容",
    "site_id": "地点",
    "request_id": "依頼",
    "comment_id": "コメント",
    "changed": "変更内容",
    "corporation_id": "法人",
    "requested_by": "依頼者",
    "agency_id": "代理店",
    "sales_staff_code": "営業担当者コード",
    "l_code": "Lコード",
    "is_sales_manager": "営業マネージャー",
    "assigned_to": "担当者",
    "file_name": "ファイル名",
    "content_type": "形式",
    "size_bytes": "サイズ（バイト）",
    "sha256": "SHA-256",
    "revealed": "表示した項目",
    "last4": "カード番号下4桁",
    "sort_order": "表示順",
    "is_active": "有効",
    "corporations": "法人数",
    "fields": "項目数",
    "already_current": "再暗号化不要",
    "requests": "依頼数",
    "agencies": "代理店数",
}

# The audit log's words for what people do here (service/audit/vocabulary.py).
AUDIT = register(
    Vocabulary(
        "crm",
        actions={
            "status_change": "ステータス変更",
            "cancel": "キャンセル",
            "deficiency": "不備登録",
            "resubmit": "修正再提出",
            "link": "画像の紐づけ",
            "reveal_card": "カード番号の全桁表示",
            "purge_security_code": "セキュリティコード削除",
            "supply_security_code": "セキュリティコード再入力",
            "reencrypt_cards": "カード情報の再暗号化",
            "assign": "次の依頼を担当",
            "reassign": "担当者の変更",
        },
        targets={
            "request": Target("投入依頼"),
            "corporation": Target("法人", by_column("crm_corporation", "display_name")),
            "site": Target("地点"),
            "image": Target("明細画像", by_column("crm_image", "file_name"), name_field="file_name"),
            "agency": Target("代理店", by_column("crm_agency", "name"), name_field="name", fields=AGENCY_FIELD_LABELS),
            "profile": Target("ユーザー", by_column("identity_user", "name")),
            "option_service": Target(
                "オプションサービス",
                by_column("crm_option_service", "name", key="code"),
                name_field="name",
                fields={"name": "サービス名", "price_label": "料金表示", "is_support_pack": "サポートパック"},
            ),
            "choice": Target("選択肢", name_field="label", fields={"label": "表示名"}),
            "card_data": Target("カード情報"),
        },
        fields=CORPORATION_FIELD_LABELS | SITE_AUDIT_FIELD_LABELS | OTHER_FIELD_LABELS,
        values={"status": STATUS_LABELS, "revealed": CORPORATION_FIELD_LABELS},
        statuses={"crm_request": STATUS_LABELS, "crm_site": STATUS_LABELS},
        references={
            "agency_id": by_column("crm_agency", "name"),
            "corporation_id": by_column("crm_corporation", "display_name"),
            "requested_by": by_column("identity_user", "name"),
            "assigned_to": by_column("identity_user", "name"),
        },
    )
)


def incomplete_site(missing: list[str]) -> str:
    return "投入済にするには、キャリア管理画面の必須項目を入力してください: " + "、".join(
        SITE_FIELD_LABELS[name] for name in missing
    )


def deficiency_notice(request_id: int, message: str) -> str:
    return f"依頼 #{request_id} に不備があります: {message}"[:300]


def comment_notice(request_id: int, message: str) -> str:
    return f"依頼 #{request_id} にコメントがあります: {message}"[:300]


def submitted_notice(request_id: int) -> str:
    return f"依頼 #{request_id} の投入が完了しました"
