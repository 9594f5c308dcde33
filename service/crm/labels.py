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

STALE = "他のユーザーが先に更新しました。最新の内容を読み込んでから、もう一度操作してください"
TRANSITION_NOT_ALLOWED = "「{before}」から「{after}」へは変更できません"
CANCEL_NOT_ALLOWED = "キャンセルできるのは「対応中」または「不備」の依頼・地点だけです"
CANCEL_FORBIDDEN = "キャンセルできるのは依頼した営業担当者か管理者だけです"
CLOSED_REQUEST = "投入済・キャンセルの依頼は変更できません"
CLOSED_SITE = "投入済・キャンセルの地点は編集できません"
NOT_DEFICIENT = "不備の依頼だけが修正再提出できます"
DEFICIENCY_NOT_ALLOWED = "不備を登録できるのは「対応中」または「不備」の依頼・地点だけです"
INACTIVE_AGENCY = "無効な代理店では投入依頼を作成できません"
REASON_REQUIRED = "不備理由を入力してください"


def deficiency_notice(request_id: int, message: str) -> str:
    return f"依頼 #{request_id} に不備があります: {message}"[:300]


def comment_notice(request_id: int, message: str) -> str:
    return f"依頼 #{request_id} にコメントがあります: {message}"[:300]


def submitted_notice(request_id: int) -> str:
    return f"依頼 #{request_id} の投入が完了しました"
