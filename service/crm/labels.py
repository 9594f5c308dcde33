"""代理店CRM wording: status names, comment types and the messages people read (spec's Japanese)."""

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
    "job_type": "業種",
}

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
SECURITY_CODE_NEW_CORPORATION = "新規法人のセキュリティコードは法人情報（corporation）の中で入力してください"
INACTIVE_AGENCY = "無効な代理店では投入依頼を作成できません"
REASON_REQUIRED = "不備理由を入力してください"


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
