"""Every Japanese string a scan station shows, in one place (wording from entry-logs.md §3.2, §3.3, §6.2), and the
rules every station follows (queue cap, retries, timings): shared by the Textual kiosk and the browser station the
service serves at /api/station/."""

from dataclasses import dataclass


@dataclass(frozen=True)
class StationRules:
    """Timings and limits every station follows (§7.3: at most 100 queued scans, up to 3 retries)."""

    request_timeout_seconds: float = 5.0
    heartbeat_seconds: float = 30.0
    retries: int = 3
    retry_backoff_seconds: float = 1.0
    queue_max: int = 100
    history_size: int = 10
    flash_seconds: float = 0.2
    greeting_seconds: float = 3.0
    alarm_seconds: float = 20.0  # a pick-up warning stays up until staff tap it, or this long


RULES = StationRules()

APP_TITLE = "入退登録システム"

# Login screen
NURSERY_CODE = "保育園コード"
PASSWORD = "パスワード"
SHOW_PASSWORD = "表示"
HIDE_PASSWORD = "非表示"
LOGIN = "ログイン"
LOGGING_IN = "ログイン中…"
LOGIN_FIELDS_REQUIRED = "保育園コードとパスワードを入力してください"
SERVER_UNREACHABLE = "サーバーに接続できません。ネットワークを確認してから再度お試しください"
HEADLESS_LOGIN_NEEDED = "ログインが必要です。--nursery-code と環境変数 DAICHO_STATION_PASSWORD を指定してください"
SESSION_ENDED = "ログインの有効期限が切れました。再度ログインしてください（未送信のスキャンはログイン後に送信されます）"
# A station whose token ended keeps scanning: scans are held and sent after the next login
RELOGIN_NEEDED = "再ログインしてください（スキャンは保留し、ログイン後に送信します）"
RELOGIN = "再ログイン"
BACK_TO_SCANNING = "スキャン画面に戻る"

# Main screen
LOGOUT = "ログアウト"
ENTRY_TYPE_LABEL = {"Entry": "入", "Exit": "出"}
ENTRY_TYPE_ARROW = {"Entry": "↓ 入", "Exit": "↑ 出"}
# The kiosk's keys for 入/出: function keys, which a scanner in keyboard mode never sends (digits, Enter, LF, Tab)
ENTRY_TYPE_KEYS = {"Entry": "f1", "Exit": "f2"}
ENTRY_TYPE_BUTTON = "{label}（{key}）"
ENTRY_TYPE_KEYS_HINT = "キーボードの {entry} で「入」、{exit} で「出」に切り替えます"
# 自動 (the nursery's setting, the default): the service records the opposite of the person's state today
ENTRY_MODE_HINT = {
    "auto": "自動: 園内にいる方は「出」、いない方は「入」で記録します",
    "manual": "手動: 選んだ「入」「出」で記録します",
}
# how a pending scan's 入/出 shows in the history while the service has not decided it yet (自動)
UNDECIDED = "自動"
SCAN_PROMPT = "バーコードをスキャンしてください"
SCAN_PLACEHOLDER = "保護者ID"
GREETING = {"Entry": "{name}さん。\nおはようございます。", "Exit": "{name}さん。\nお疲れ様でした。"}
# The greeting's line of the children expected today (the service leaves out those registered 欠席)
GREETING_CHILDREN = "（{children}）"
CHILD_NAME = "{name}ちゃん"
CHILDREN_SEPARATOR = "、"
DUPLICATE_SCAN = "{name}さん。\n既に記録されています（二重スキャン）。"
ACCEPTING = "受付中…"  # shown the moment a scan is read, before the service answers (NFR-U-001)
PARENT_NOT_FOUND = "保護者が見つかりません"
SAVED_OFFLINE = "サーバーに接続できないため、スキャンを保存しました（保留）。\n接続が戻りしだい自動で送信します。"
HISTORY_TITLE = "最近のスキャン履歴"
PHOTO_ALT = "{name}さんの写真"
ALARM_DISMISS = "（画面をタップすると閉じます）"
HISTORY_COLUMNS = ("時刻", "保護者名", "入/出", "ステータス")
UNKNOWN_PARENT_NAME = "ID {parent_id}"
# by_hand: a record of 「カードを忘れた方」, kept in the history as a scan is
STATUS_LABEL = {"success": "成功", "pending": "保留", "failed": "保留", "duplicate": "二重", "by_hand": "手入力"}
# A refused scan is kept, with the service's reason, for staff to record by hand
HELD_REASON = "保留（{reason}）"

# 「カードを忘れた方」 (both stations): staff unlock it with the nursery's PIN, find the person, record 入/出 by hand
FORGOTTEN_CARD = "カードを忘れた方"
FORGOTTEN_CARD_TITLE = "カードを忘れた方（職員が操作します）"
STAFF_NAME = "職員名"
PIN = "暗証番号"
UNLOCK = "解錠"
UNLOCK_FIELDS_REQUIRED = "職員名と暗証番号を入力してください"
SEARCH_LABEL = "ふりがな・名前、または電話番号の下4桁"
SEARCH = "検索"
NO_MATCH = "見つかりません"
MORE_MATCHES = "{n}件まで表示しています。ふりがなを長くして絞り込んでください"
REASON = "理由"
REASON_DEFAULT = "カードを忘れたため"
RECORD_TYPE = {"Entry": "入を記録", "Exit": "出を記録"}
INSIDE = "園内"
OUTSIDE = "園外"
PERSON_LINE = "{name}（{kind}）"
PHONE_LAST4 = "電話 …{digits}"
PERSON_DETAILS_SEPARATOR = "　"
RECORDED_BY_HAND = "{name}さんの「{type}」を記録しました（手入力: {staff}）"
CLOSE = "閉じる"


def greeting(entry_type: str, name: str, child_names: list[str] | tuple[str, ...]) -> str:
    """e.g. 山田花子さん。\nおはようございます。\n（太郎ちゃん、次郎ちゃん）; the children's line only when there are
    some."""
    text = GREETING[entry_type].format(name=name)
    if not child_names:
        return text
    children = CHILDREN_SEPARATOR.join(CHILD_NAME.format(name=child) for child in child_names)
    return f"{text}\n{GREETING_CHILDREN.format(children=children)}"


def person_details(name_kana: str, relation: str, child_names: list[str], phone_last4: str) -> str:
    """A found person's second line: e.g. やまだ はなこ　太郎ちゃん、次郎ちゃん　電話 …5678 (what they have)."""
    children = CHILDREN_SEPARATOR.join(CHILD_NAME.format(name=child) for child in child_names)
    phone = PHONE_LAST4.format(digits=phone_last4) if phone_last4 else ""
    return PERSON_DETAILS_SEPARATOR.join(part for part in (name_kana, relation, children, phone) if part)


def status_text(status: str, message: str | None) -> str:
    """e.g. 成功, or 保留（保護者が見つかりません） for a scan the service refused."""
    return HELD_REASON.format(reason=message) if status == "failed" and message else STATUS_LABEL[status]


ONLINE = "● オンライン"
OFFLINE = "● オフライン"
PENDING_COUNT = "保留 {n}件"

# Bad input from the scanner (BR-ER-004, SEC-008: digits only, 1 to 10 of them)
SCAN_EMPTY = "バーコードが読み取れませんでした（入力が空です）。もう一度スキャンしてください"
SCAN_CONTROL_CHARACTERS = "読み取りデータに制御文字が含まれています。バーコードを確認して、もう一度スキャンしてください"
SCAN_NOT_DIGITS = (
    "保護者IDは数字のみです（数字以外の文字を読み取りました）。保護者アプリのバーコードをスキャンしてください"
)
SCAN_TOO_LONG = "保護者IDは1〜10桁の数字です（{n}桁を読み取りました）。保護者アプリのバーコードをスキャンしてください"
QUEUE_FULL = (
    "未送信のスキャンが上限の{limit}件に達したため、受け付けできません。"
    "通信が回復するまで手書きの台帳に記録してください"
)
