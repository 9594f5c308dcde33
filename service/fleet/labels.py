"""Every Japanese word the fleet domain shows, in one place (the spec's wording); the kinds' words with their codes
in kinds.py."""

from service.config import FLEET_MAX_INTERVAL_SECONDS, FLEET_MIN_INTERVAL_SECONDS
from service.fleet.kinds import (
    AlertBulkAction,
    AlertKind,
    AlertStatus,
    CommandType,
    ContractType,
    EventLevel,
    Place,
    Recurrence,
    TerminalBulkAction,
    TerminalStatus,
    ViewPage,
    facts_table,
)
from service.words import Target, Vocabulary, by_column, register

# The kinds' words are declared with their codes in kinds.py; these are their tables.
CONTRACT_TYPES = ContractType.words()
TERMINAL_STATUSES = TerminalStatus.words()
ALERT_TYPES = AlertKind.words()
ALERT_KINDS = facts_table()  # each alert kind's words, place and importance
DEVICE_CLOCK_NOTE = "（端末の時計では {device_time}）"  # appended to an event whose time the device clock got wrong
ALERT_STATUSES = AlertStatus.words()
# An incident's timeline (fleet_incident_note): 顧客連絡's text, 完了報告's two and the notes on the way; the words of
# the request fields that write them.
INCIDENT_NOTE_KINDS = {
    "customer_contact": "顧客への連絡内容",
    "cause": "原因",
    "report": "報告内容",
    "note": "対応メモ",
}
# An alert's record (fleet_alert_note): what 顧客連絡 told the customer, and the notes (a resolution's note among them).
ALERT_NOTE_KINDS = {kind: INCIDENT_NOTE_KINDS[kind] for kind in ("customer_contact", "note")}
AWAITING_REPORT = "完了報告待ち"  # a resolved incident whose 完了報告 is still to be written
ROLLOUT_STATUSES = {
    "running": "実行中",
    "paused": "一時停止",
    "completed": "完了",
    "cancelled": "中止",
}
TASK_STATUSES = {
    "queued": "待機中",
    "pending": "配信待ち",
    "in_progress": "更新中",
    "installed": "確認待ち",
    "succeeded": "成功",
    "failed": "失敗",
    "timed_out": "タイムアウト",
    "cancelled": "中止",
}
IMPORT_STATUSES = {"reading": "読み込み中", "queued": "待機中", "running": "処理中", "done": "完了", "failed": "失敗"}
PAUSE_REASONS = {"manual": "手動で一時停止", "failure_threshold": "失敗率がしきい値を超えたため自動で一時停止"}
EVENT_LEVELS = EventLevel.words()
# What agents and the service report as an event's kind (an unknown kind is shown as sent).
EVENT_KINDS = {
    "agent_started": "エージェント起動",
    "enrolled": "端末登録",
    "device_error": "端末エラー",
    "device_recovered": "端末復旧",
    "command_succeeded": "コマンド成功",
    "command_failed": "コマンド失敗",
    "events_dropped": "イベント欠落",
}
COMMAND_TYPES = CommandType.words()
COMMAND_STATUSES = {"pending": "配信待ち", "sent": "配信済み", "done": "完了", "failed": "失敗", "cancelled": "中止"}

# 一括操作: what a multi-row selection of each list can do in one request (schemas.*BulkIn.action).
TERMINAL_BULK_ACTIONS = TerminalBulkAction.words()
# The actions asked about with their count before they run, with what they interrupt.
TERMINAL_BULK_DISRUPTIVE = {action.value: action.interrupts for action in TerminalBulkAction if action.disruptive}
ALERT_BULK_ACTIONS = AlertBulkAction.words()
INCIDENT_BULK_ACTIONS = ALERT_BULK_ACTIONS
# 店舗別: a store's open alerts by kind, 「オフライン 3件・エラー 1件」.
STORE_ALERTS = "{label} {count}件"
STORE_ALERTS_SEPARATOR = "・"
STORE_COLUMNS = {
    "store": "店舗",
    "terminals": "端末数",
    "offline": "オフライン",
    "error": "エラー",
    "maintenance": "メンテナンス中",
    "alerting": "アラートのある端末",
    "open_alerts": "未解決アラート",
    "alert_summary": "未解決アラートの内訳",
}
BULK_MAX = 500  # records per bulk request
BULK_ALL_MAX = 2_000  # terminals one 「条件に合う全件」 request acts on (each audited: about 2 s)
BULK_CHOICE = "対象として、選択した行（ids）か絞り込み条件（filter）のどちらか一方を指定してください"
BULK_ALL_TOO_MANY = "条件に合う端末が{count}台あり、一度に操作できる{max}台を超えています。条件を絞り込んでください"
BULK_ALL_NONE = "条件に合う端末がありません"
BULK_ALL_CHANGED = (
    "条件に合う端末が確認した{expected}台から{count}台に変わりました。件数を確かめてから実行し直してください"
)
ROLLOUT_TERMINALS_MAX = 20_000  # terminals a rollout names one by one (the fleet's size)
# 診断ログ取得's lines (the least, the most, and how many unless told) and a terminal's heartbeat interval in seconds,
# as the API takes them; the vocabulary serves them to the terminal page's fields
DIAGNOSTIC_LINES = {"min": 1, "max": 2000, "default": 500}
INTERVAL_SECONDS = {"min": FLEET_MIN_INTERVAL_SECONDS, "max": FLEET_MAX_INTERVAL_SECONDS}
BULK_RECORD = {"alert": "アラート #{id}", "incident": "インシデント #{id}"}
BULK_REFUSED = "{record}: {message}（一括操作は取り消され、どの行も変更されていません）"
# 保存したビュー: the lists whose filters a person can save by name.
VIEW_PAGES = ViewPage.words()
VIEW_NAME_TAKEN = "同じ名前のビューがすでにあります: {name}"

# §4.2 障害対応フロー: step, label, minutes from detection.
SLA_STEPS = (
    ("acknowledged", "初動確認", 5),
    ("diagnosed", "リモート診断", 15),
    ("customer_contacted", "顧客連絡", 30),
    ("resolved", "対応実施", 60),
)
# The steps recorded by a "mark" of their own (初動確認 and 対応実施 are the acknowledge and resolve actions).
MARKED = ("diagnosed", "customer_contacted", "reported")
# The commands a person sends a terminal (a firmware update is sent by its rollout, which is audited instead).
BY_HAND = ("collect_diagnostics", "set_interval", "restart")
# 再起動 reaches only a terminal heard from now, and only until its offline deadline: a restart must never run when
# the terminal comes back hours later, in the middle of a sale.
RESTART_UNHEARD = (
    "この端末は通信していないため再起動できません（通信が戻った時に予期せず再起動しないよう、通信中の端末にだけ"
    "送ります）。通信が戻ってから実行してください"
)
COMMAND_EXPIRED = "端末が通信しないまま受け取りの期限を過ぎたため中止しました（通信が戻った時に予期せず実行しないため）"
# Step 6 完了報告 「対応後即時」: due this many minutes after 対応実施 (the resolution).
REPORT_STEP = ("reported", "完了報告", 15)
REPORT_DUE = f"解決後{REPORT_STEP[2]}分以内"  # 完了報告's target, shown until the resolution starts its clock
STEP_LABELS = {step: label for step, label, _ in (*SLA_STEPS, REPORT_STEP)}  # the words of each step's time

# A stalled heartbeat intake (no heartbeat from any terminal for longer than the gap window): a platform alert.
STALL_SUBJECT = "【TMS】ハートビート受信停止"
STALL_BODY = (
    "全端末からのハートビートが {since} 以降届いていません（{minutes}分間）。"
    "プロキシや証明書など受信経路を確認してください。受信が再開するまでオフライン検知を停止しています。"
)
STALL_RECOVERED_SUBJECT = "【TMS】ハートビート受信再開"
STALL_RECOVERED_BODY = (
    "{since} 以降停止していたハートビートの受信が再開しました（{now} 確認）。"
    "再開後{grace}分間はオフライン判定を保留します。"
)
STALL_BANNER = (
    "ハートビートの受信が停止しています（最終受信 {since}、{minutes}分前）。"
    "受信が再開するまでオフライン検知は停止しており、端末の状態は最終受信時点のものです。"
)
# The same silence while `make run` starts no simulated agents (APP_DEMO_AGENTS=0): expected, and said to be.
NO_DEMO_AGENTS_BANNER = (
    "デモの模擬エージェントを起動していないため（APP_DEMO_AGENTS=0）、ハートビートを受信していません"
    "（最終受信 {since}、{minutes}分前）。オフライン検知は停止しており、端末の状態は最終受信時点のものです。"
)
DIGEST_SUBJECT = "【TMS】アラート 新規{new}件・解決{resolved}件"
INCIDENT_MESSAGE = "{company}: {places}が{minutes}分以内にオフラインになりました（{fleet}）。店舗: {stores}"
# A customer's terminals as the dashboard's 総端末数 counts them, and those an outage is measured against.
FLEET_SIZE = "全{registered}台"
FLEET_SIZE_MONITORED = "全{registered}台（{maintenance}{count}台を除く{monitored}台）"
INCIDENT_PLACES = "{stores}店舗・{count}台"  # an incident's reach, in its message, list, page and 重要アラート
STORES_NAMED = 10  # an incident's message names this many of its stores, then says how many more
MORE_STORES = "ほか{count}店舗"
STORE_OFFLINE_MESSAGE = "{store}の端末{count}台がすべて{minutes}分以内にオフラインになりました"
OFFLINE_MESSAGE = "端末からの通信が途絶えました（最終通信 {last}）"
# Said beside 解決 (and on the record once resolved) while its terminals are still offline: the sweep alerts again.
OUTAGE_WARNING = (
    "端末{count}台がまだオフラインです。オフラインのままなら、解決しても次の巡回で新しいアラートが上がります。"
)


def outage_warning(offline_now: int) -> str:
    return OUTAGE_WARNING.format(count=offline_now) if offline_now else ""


def incident_places(stores: int, count: int) -> str:
    """「12店舗・24台」."""
    return INCIDENT_PLACES.format(stores=stores, count=count)


def fleet_size(registered: int, in_maintenance: int) -> str:
    """「全60台（メンテナンス中1台を除く59台）」, or 「全60台」 with none in maintenance."""
    if not in_maintenance:
        return FLEET_SIZE.format(registered=registered)
    maintenance, monitored = TERMINAL_STATUSES["maintenance"], registered - in_maintenance
    return FLEET_SIZE_MONITORED.format(
        registered=registered, maintenance=maintenance, count=in_maintenance, monitored=monitored
    )


def alert_place(alert_type: str, place: str, serial_number: str) -> str:
    """Where an alert is, in a message: 「新宿店 レジ1番（TC200-0001）」; a store alert's store alone: 「新宿店」."""
    serial = alert_serial(alert_type, serial_number)
    return f"{place}（{serial}）" if serial else place


def alert_serial(alert_type: str, serial_number: str) -> str:
    """A store alert is about no one terminal: its serial number is not shown."""
    return "" if AlertKind.of(alert_type).place is Place.STORE else serial_number


def store_names(names: list[str]) -> str:
    """「名古屋店、栄店、… ほか3店舗」: the first STORES_NAMED stores, then how many more."""
    shown = "、".join(names[:STORES_NAMED])
    more = len(names) - STORES_NAMED
    return f"{shown} {MORE_STORES.format(count=more)}" if more > 0 else shown


HIGH_USAGE_MESSAGE = "{label}が{value:.0f}%です（{count}回連続で{threshold:.0f}%以上）"
ERROR_MESSAGE = "端末がエラーを報告しました: {detail}"
UPDATE_FAILED_MESSAGE = "ファームウェア {version} への更新に失敗しました: {detail}"

TIMEOUT_MESSAGE = "制限時間内に新しいバージョンで正常に通信しませんでした"
TIMEOUT_DETAIL = "タイムアウト"
TERMINAL_ERROR_DETAIL = "更新後に端末がエラーを報告しました: {detail}"
# Noted on an update task that succeeded while the store PC was busy: the PC's load is no verdict on the update.
BUSY_PC_NOTE = "店舗PCの負荷が高い状態です（{figures}）"
PC_LOAD_FIGURES = {"cpu": "CPU {value:.1f}%", "memory": "メモリ {value:.1f}%"}
PC_LOAD_SEPARATOR = "・"
# Business hours and recurring maintenance windows (service/fleet/schedules.py, maintenance_windows.py).
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
RECURRENCES = Recurrence.words()
WINDOW_DIGEST_SUBJECT = "【TMS】定期メンテナンス終了 {customer} {store}（保留{count}件）"
WINDOW_DIGEST_BODY = "定期メンテナンス（{reason}）{starts}〜{ends} の間に保留したアラート:"
WINDOW_DIGEST_COLUMNS = ("店舗", "シリアル番号", TERMINAL_STATUSES["offline"], "メンテナンス終了時点")
WINDOW_END_STATES = {True: "応答なし（アラートを発行します）", False: "応答あり"}  # still offline at the end?
ALL_STORES = "全店舗"
# The alert digest's table: a row per incident and per alert outside one, new or resolved since the last digest.
DIGEST_COLUMNS = ("状態", "種別", "場所", "発生", "内容", "画面")
DIGEST_NEW = "新規"
DIGEST_RESOLVED = "解決（{resolved}）"
INCIDENT_KIND = "顧客単位の障害"
# 重要アラート's one row for an incident: «5店舗・13台オフライン» (its alerts still open).
INCIDENT_SUMMARY = "{places}{kind}"

# Escalation: a §4.2 step of open work past due, told once (the assignee or the step's team first, then the
# システム管理者) by e-mail and on Slack.
ESCALATION_SUBJECTS = {"alert": "アラート #{id}", "incident": "インシデント #{id}"}
# An escalation run's digest: one mail per person told, its lines grouped by customer.
ESCALATION_SUBJECT = "【TMS】エスカレーション: 期限超過{count}件"
ESCALATION_INTRO = "次の対応が期限を過ぎても記録されていません。対応状況を確認してください。"
ESCALATION_COLUMNS = ("対象", "期限を過ぎた対応", "期限", "内容", "検知", "担当者")  # a customer's table of them
ESCALATION_DUE = "{due}（検知から{minutes}分）"
ESCALATION_SLACK = "【TMS】エスカレーション: 期限超過{count}件"
ESCALATION_SLACK_LINE = "{subject}の「{step}」が期限（{due}）超過: {place} 担当者 {assignee} {url}（通知: {told}）"
NO_ASSIGNEE = "未割り当て（担当者を割り当ててください）"
NO_ONE_TOLD = "メール通知先なし"

# CSV import: the vendor's Japanese column names, and why a row is rejected.
IMPORT_HEADERS = {
    "シリアル番号": "serial_number",
    "顧客企業": "customer",  # the first of a field's headers names its column in a refusal
    "顧客": "customer",
    "会社名": "customer",
    "設置店舗名": "store_name",
    "設置日": "installed_date",
    "ファームウェア": "firmware_version",
}
IMPORT_REQUIRED = "「{name}」列が空です（書いてから取り込み直してください）"
IMPORT_UNKNOWN_CUSTOMER = "顧客企業が見つかりません（登録済みの顧客企業の名前かIDを書いてください）"
IMPORT_DUPLICATE = "このシリアル番号は既に登録されています（登録済みの端末です。その行は消してください）"
IMPORT_SAME_SERIAL = "{row}行目と同じシリアル番号です（同じ端末が2回あります。どちらかを消すか、番号を直してください）"

REPORT_TITLE = "月次報告書"
REPORT_CSV_HEADER = ("項目", "値")
REPORT_LABELS = {
    "customer": "顧客名",
    "all_customers": "全顧客",
    "customers": "顧客数",
    "month": "対象月",
    "as_of": "集計時点",
    "terminals": "端末数",
    "availability": "稼働率",
    "alerts": "アラート件数",
    "alert_type": "アラート種別",
    "count": "件数",
    "resolved": "解決件数",
    "mttr": "平均解決時間",
    "minutes": "分",
    "sla": "SLA遵守率",
    "sla_met": "SLA目標内の件数",
}
# Units after a report's figures (the same text on the page, in the CSV and the PDF).
REPORT_UNITS = {"customers": "社", "terminals": "台", "alerts": "件"}

# The audit log's words for what people and terminals do here (service/audit/vocabulary.py).
AUDIT = register(
    Vocabulary(
        "fleet",
        actions={
            "create_enrollment_code": "登録コードの発行",
            "enroll": "エージェント登録",
            "rotate_token": "トークンの再発行",
            "revoke_token": "トークンの失効",
            "maintenance": "メンテナンスの切り替え",
            "set_business_hours": "営業時間の変更",
            "create_maintenance_window": "定期メンテナンスの登録",
            "delete_maintenance_window": "定期メンテナンスの削除",
            "import_terminals": "端末CSVの取込",
            "acknowledge": "初動確認",
            "assign": "担当者の割り当て",
            "add_note": "メモの追加",
            "resolve": "対応実施（解決）",
            "escalate": "エスカレーション（期限超過の通知）",
            "create_saved_view": "保存したビューの作成",
            "delete_saved_view": "保存したビューの削除",
            **{f"mark_{step}": f"{label}の記録" for step, label, _ in (*SLA_STEPS, REPORT_STEP) if step in MARKED},
            **{f"rollout_{status}": f"ロールアウトの状態変更（{label}）" for status, label in ROLLOUT_STATUSES.items()},
            **{f"command_{kind}": f"コマンド送信（{COMMAND_TYPES[kind]}）" for kind in BY_HAND},
        },
        targets={
            "terminal": Target.named_by("端末", "fleet_terminal", "serial_number"),
            "customer": Target.named_by("顧客", "fleet_customer", "company_name"),
            "maintenance_window": Target("定期メンテナンス", table="fleet_maintenance_window"),
            "alert": Target("アラート", table="fleet_alert"),
            "incident": Target("インシデント", table="fleet_incident"),
            "firmware_release": Target.named_by("ファームウェア", "fleet_firmware_release", "version"),
            "rollout": Target("ロールアウト", table="fleet_rollout"),
            "terminal_import": Target(
                "端末CSV取込", by_column("fleet_terminal_import", "filename"), name_field="filename"
            ),
            "saved_view": Target.named_by("保存したビュー", "fleet_saved_view", "name"),
            "escalation": Target(
                "エスカレーション",
                fields={
                    "alert_id": "アラート",
                    "incident_id": "インシデント",
                    "step": "期限超過の手順",
                    "recipients": "通知先",
                },
                values={"step": {step: label for step, label, _ in SLA_STEPS}},
            ),
        },
        # The fields of its tables name themselves (models.py, service/fields.py); these are the requests' others.
        tables=(
            "fleet_customer",
            "fleet_terminal",
            "fleet_maintenance_window",
            "fleet_alert",
            "fleet_alert_note",
            "fleet_incident",
            "fleet_incident_note",
            "fleet_firmware_release",
            "fleet_rollout",
            "fleet_saved_view",
        ),
        fields={
            "customer": "顧客企業",  # an imported row's (a terminal's customer, by name or ID)
            "expected": "確認した台数",  # a bulk action on every terminal its filter selects
            "status": "状態",
            "expires_at": "有効期限",
            "token": "トークン",
            "enrolled": "エージェント登録",
            "release": "ファームウェア",
            "terminals": "端末数",
            "params": "パラメータ",
            "interval_seconds": "通信間隔（秒）",
            "registered_to": "登録日（この日まで）",
            "filename": "ファイル名",
            "rows": "行数",
            "note": "メモ",
            "customer_message": INCIDENT_NOTE_KINDS["customer_contact"],
            "cause": INCIDENT_NOTE_KINDS["cause"],
            "report": INCIDENT_NOTE_KINDS["report"],
            "reason": "理由",
            "terminal_ids": "端末",
            "filter": "絞り込み条件",
            "q": "検索語",
            "action": "操作",
            "ids": "対象",
            "max_lines": "取得する行数",
            "enabled": TERMINAL_STATUSES["maintenance"],
            # what the store PCs' agents send
            "enrollment_code": "登録コード",
            "agent_version": "エージェントのバージョン",
            "sent_at": "送信日時",
            "cpu": "CPU使用率",
            "memory": "メモリ使用率",
            "disk": "ディスク使用率",
            "error_message": "エラーメッセージ",
            "events": "イベント",
            "client_event_id": "イベントID",
            "kind": "種別",
            "level": "レベル",
            "message": "メッセージ",
            "occurred_at": "発生日時",
            "command_id": "コマンド",
            "state": "状態",
            "progress": "進捗",
            "collected_at": "取得日時",
            "lines": "ログの行",
        },
        values={"contract_type": CONTRACT_TYPES, "recurrence": RECURRENCES},
        statuses={
            "fleet_terminal": TERMINAL_STATUSES,
            "fleet_alert": ALERT_STATUSES,
            "fleet_incident": ALERT_STATUSES,
            "fleet_rollout": ROLLOUT_STATUSES,
            "fleet_update_task": TASK_STATUSES,
            "fleet_command": COMMAND_STATUSES,
            "fleet_terminal_import": IMPORT_STATUSES,
        },
        references={
            "customer_id": by_column("fleet_customer", "company_name"),
            "assignee_id": by_column("identity_user", "name"),
        },
    )
)
