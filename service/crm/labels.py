"""代理店CRM wording: status names, comment types and the messages people read (spec's Japanese)."""

from service import fields
from service.crm.kinds import RequestStatus
from service.crm.models import (
    CANCELLED,
    COMMENT,
    DEFICIENCY,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    SUBMITTED,
    Agency,
    Corporation,
    Site,
)
from service.words import Target, Vocabulary, by_column, register

STATUS_LABELS = RequestStatus.words()  # a request's (§4.2, and 一部キャンセル: its sites 投入済 and キャンセル)
SITE_STATUS_LABELS = {status.value: status.label for status in RequestStatus if status.of_site}
STATUS_COLOURS = {status.value: status.colour for status in RequestStatus}
COMMENT_TYPE_LABELS = {DEFICIENCY: "不備通知", COMMENT: "コメント", RESUBMISSION: "修正再提出"}
NOTIFICATION_KIND_LABELS = {kind: COMMENT_TYPE_LABELS[kind] for kind in (DEFICIENCY, COMMENT)} | {SUBMITTED: "投入完了"}
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
# OCR's label words (見出し語), a choice kind per field the reader finds by its label: the kind, the field (address:
# the whole 使用場所, split into the address's fields), and the name the マスタ page shows. masters.py holds the
# defaults.
OCR_LABEL_KINDS = {
    "ocr_customer_number": ("power_customer_number", "お客様番号"),
    "ocr_location_number": ("power_customer_location_number", "供給地点特定番号"),
    "ocr_customer_name": ("power_customer_name", "名義"),
    "ocr_address": ("address", "使用場所"),
    "ocr_plan": ("power_plan_name", "契約プラン"),
    "ocr_capacity": ("contract_capacity", "契約容量"),
    "ocr_date": ("latest_date", "年月"),
    "ocr_usage": ("latest_power_usage", "使用量"),
    "ocr_charges": ("latest_charges", "請求金額"),
}
CHOICE_KIND_LABELS |= {kind: f"OCRの見出し語（{name}）" for kind, (_, name) in OCR_LABEL_KINDS.items()}

# The CSV columns 初回完了率 and 投入済までの日数 are taken over (service/crm/metrics/figures.py)
FIRST_TIME_RIGHT_COLUMN = "初回完了"
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
SITE_FIELD_NAMES = (
    "pps_business_number",
    "application_type",
    "power_plan_name",
    "contract_capacity",
    "power_supplier_type",
    "power_customer_number",
    "power_customer_location_number",
    "power_zip_code",
    "power_prefecture",
    "power_city",
    "power_street",
    "power_customer_name",
    "power_customer_name_kana",
    "latest_charges",
    "latest_power_usage",
    "latest_date",
    "moving_in_date",
)

STALE = "他のユーザーが先に更新しました。最新の内容を読み込んでから、もう一度操作してください"
TRANSITION_NOT_ALLOWED = "「{before}」から「{after}」へは変更できません"
OPEN_WORDS = f"「{STATUS_LABELS[IN_PROGRESS]}」または「{STATUS_LABELS[DEFICIENT]}」"  # the statuses work goes on in
CLOSED_WORDS = f"{STATUS_LABELS[SUBMITTED]}・{STATUS_LABELS[CANCELLED]}"
CANCEL_NOT_ALLOWED = f"キャンセルできるのは{OPEN_WORDS}の依頼・地点だけです"
CANCEL_FORBIDDEN = "キャンセルできるのは依頼した営業担当者か管理者だけです"
CLOSED_REQUEST = f"{CLOSED_WORDS}の依頼は変更できません"
CLOSED_SITE = f"{CLOSED_WORDS}の地点は編集できません"
NOT_DEFICIENT = f"{STATUS_LABELS[DEFICIENT]}の依頼だけが修正再提出できます"
DEFICIENCY_NOT_ALLOWED = f"不備を登録できるのは{OPEN_WORDS}の依頼・地点だけです"
SITE_NOT_DELETABLE = f"削除できるのは「{STATUS_LABELS[IN_PROGRESS]}」の地点だけです"
SECURITY_CODE_AGAIN = (
    "セキュリティコードは前回の依頼の投入完了時に削除されています。クレジットカード払いの法人に地点を追加するには、"
    "セキュリティコードをもう一度入力してください"
)
SECURITY_CODE_NOT_CARD = "セキュリティコードはクレジットカード払いの法人にだけ入力できます"
SECURITY_CODE_NEW_CORPORATION = "新規法人のセキュリティコードは法人情報の中で入力してください"
INACTIVE_AGENCY = "無効な代理店では投入依頼を作成できません"
DUPLICATE_NUMBER = "法人番号 {number} の法人は既に登録されています: {names}。既存の法人に地点を追加してください"
DUPLICATE_NAME_AND_PHONE = (
    "同じ法人名・電話番号の法人が既に登録されています: {names}。既存の法人に地点を追加するか、"
    "別の法人であることを確認してから登録してください"
)
MERGE_UNKNOWN = "統合する法人が見つかりません"
SERVICE_TYPE_FROM_PPS = "サービス種別はPPS番号（電気/ガス）の選択で決まります"
MERGE_ITSELF = "同じ法人どうしは統合できません"
MERGE_OTHER_AGENCY = "統合できるのは同じ代理店の法人どうしだけです"
REASON_REQUIRED = "不備理由を入力してください"
NOT_BACK_OFFICE = "担当者に選べるのは投入担当者か管理者だけです"

# Every field's name as its column states it (models.py), served by GET /api/crm/vocabulary.
CORPORATION_FIELD_LABELS = fields.labels(Corporation) | {
    # write-only: stored encrypted (card_number_encrypted, card_security_code_encrypted), never read back
    "credit_card_number": "クレジットカード番号",
    "credit_card_security_code": "セキュリティコード",
}
SITE_AUDIT_FIELD_LABELS = fields.labels(Site)
SITE_FIELD_LABELS = {name: SITE_AUDIT_FIELD_LABELS[name] for name in SITE_FIELD_NAMES}
AGENCY_FIELD_LABELS = fields.labels(Agency)

OTHER_FIELD_LABELS = {
    "version": "版",
    "base": "編集を始めた時点の内容",
    "payload": "依頼内容",
    "images": "明細画像",
    "clear_agency": "代理店の解除",
    "status": "ステータス",
    "reason": "理由",
    "site_id": "地点",
    "request_id": "依頼",
    "comment_id": "コメント",
    "changed": "変更内容",
    "ocr_image_id": "OCRで読み取った明細画像",
    "ocr_review": "OCR提案の確認（採用・修正・手入力した項目）",
    "corporation_id": "法人",
    "requested_by": "依頼者",
    "assigned_to": "担当者",
    "file_name": "ファイル名",
    "content_type": "形式",
    "size_bytes": "サイズ（バイト）",
    "sha256": "SHA-256",
    "revealed": "表示した項目",
    "last4": "カード番号下4桁",
    "corporations": "法人数",
    "fields": "項目数",
    "already_current": "再暗号化不要",
    "requests": "依頼数",
    "agencies": "代理店数",
    "confirm": "同名・同電話番号の法人を確認済み",
    "duplicate_id": "統合する法人",
    "merged_corporation": "統合した法人",
    "moved_requests": "移した依頼",
    "moved_sites": "移した地点",
}

# "": never read, OCR being unavailable then
OCR_READING_LABELS = {"pending": "読み取り中", "done": "読み取り済み", "failed": "読み取り失敗"}
OCR_STATUS_LABELS = {"": "未読み取り", **OCR_READING_LABELS}
OCR_NOT_READ = "この画像はOCRで読み取られていません（アップロード時にOCRが利用できませんでした）"
OCR_NO_PAGE = "この画像の読み取り結果はまだありません"
OCR_INTERRUPTED = "読み取りが{attempts}回とも途中で止まったため中止しました。明細画像を見て入力してください"
OCR_ACCEPTED_COLUMN = "提案のまま採用"
OCR_OUTCOME_COLUMN = "結果"
OCR_OUTCOME_LABELS = {"accepted": OCR_ACCEPTED_COLUMN, "corrected": "修正", "typed": "手入力"}
OCR_HANDS_FREE_COLUMN = "手入力なし"  # a bill whose every field was saved as OCR proposed it
OCR_ALL_FIELDS = "全項目"  # the 項目 of OCR採用率's total row

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
            "merge": "法人の統合",
        },
        targets={
            "request": Target("投入依頼", table="crm_request"),
            "corporation": Target("法人", by_column("crm_corporation", "display_name")),
            "site": Target("地点"),
            "image": Target("明細画像", by_column("crm_image", "file_name"), name_field="file_name"),
            "agency": Target.named_by("代理店", "crm_agency", "name"),
            "profile": Target("ユーザー", by_column("identity_user", "name"), table="crm_profile"),
            "option_service": Target(
                "オプションサービス",
                by_column("crm_option_service", "name", key="code"),
                name_field="name",
                table="crm_option_service",
            ),
            "choice": Target("選択肢", name_field="label", table="crm_choice"),
            "card_data": Target("カード情報"),
        },
        tables=(
            "crm_agency",
            "crm_corporation",
            "crm_site",
            "crm_request",
            "crm_comment",
            "crm_profile",
            "crm_option_service",
            "crm_choice",
        ),
        fields=CORPORATION_FIELD_LABELS | SITE_AUDIT_FIELD_LABELS | OTHER_FIELD_LABELS,
        values={"status": STATUS_LABELS, "revealed": CORPORATION_FIELD_LABELS},
        statuses={"crm_request": STATUS_LABELS, "crm_site": SITE_STATUS_LABELS, "crm_image": OCR_READING_LABELS},
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
