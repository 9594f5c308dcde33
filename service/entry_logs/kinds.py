"""The 入退管理 kinds, each declared once as a `StrEnum` whose members carry their Japanese words. labels.py's tables
(the vocabulary), the models' constants, the API's types and OpenAPI enums and the CSV words read them."""

from service.words import Kind


class EntryType(Kind):
    ENTRY = "Entry", "入"
    EXIT = "Exit", "出"


class EntryMode(Kind):
    """How a station's scan gets its 入/出 (the nursery's setting): 自動 records the opposite of the person's state
    today."""

    AUTO = "auto", "自動（園内にいる方は「出」、いない方は「入」で記録）"
    MANUAL = "manual", "手動（入/出ボタンで選んだとおりに記録）"


class DecidedBy(Kind):
    """Why a log has its 入/出: the person's state today (自動), the station's button (手動), or staff by hand."""

    PRESENCE = "presence", "在園状況"
    TOGGLE = "toggle", "入/出ボタン"
    STAFF = "staff", "職員の手入力"


class AttendanceStatus(Kind):
    PRESENT = "present", "出席"
    ABSENT = "absent", "欠席"


class AttendanceShown(Kind):
    """The attendance list's filter: a day's status, or none recorded yet."""

    PRESENT = AttendanceStatus.PRESENT.value, AttendanceStatus.PRESENT.label
    ABSENT = AttendanceStatus.ABSENT.value, AttendanceStatus.ABSENT.label
    UNRECORDED = "unrecorded", "未記録"


class RosterImportStatus(Kind):
    READING = "reading", "読み込み中"
    QUEUED = "queued", "待機中"
    RUNNING = "running", "処理中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


class PersonKind(Kind):
    """Who may record a day's 入退 at 「カードを忘れた方」: a parent, or a 「本日のみ」 person."""

    PARENT = "parent", "保護者"
    PASS = "pass", "本日のみ"


class PickupKind(Kind):
    """An adult in a child's pick-up list (entry_logs_pickup_rule.kind, or a guardian with none)."""

    GUARDIAN = "guardian", "保護者"
    RESTRICTED = "restricted", "お迎え不可"  # a guardian who must not collect the child
    ONE_DAY = "one_day", "本日のみ"  # a 「本日のみ」 person who may collect the child on their pass's date
