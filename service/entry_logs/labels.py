"""Every Japanese word and message of the 入退管理 domain, in one place."""

from service.audit.labels import LOGIN_VALUES
from service.entry_logs.kinds import (
    AttendanceStatus,
    DecidedBy,
    EntryMode,
    EntryType,
    PersonKind,
    PickupKind,
    RosterImportStatus,
)
from service.words import Target, Vocabulary, by_column, register

# The kinds' words are declared with their codes in kinds.py; these are their tables.
ENTRY_TYPE_LABELS = EntryType.words()
ENTRY_MODES = EntryMode.words()
DECIDED_BY = DecidedBy.words()
ATTENDANCE_LABELS = AttendanceStatus.words()

PARENT_NOT_FOUND = "保護者が見つかりません"
CHILD_NOT_FOUND = "園児が見つかりません"
NURSERY_NOT_FOUND = "保育園が見つかりません"
LOG_NOT_FOUND = "入退ログが見つかりません"
BAD_PARENT_ID = "保護者IDは数字のみ、1～10桁で入力してください"
BAD_CREDENTIALS = "保育園コードまたはパスワードが正しくありません"
STATION_NOT_FOUND = "入退登録端末が見つかりません"
UNNAMED_STATION = "名前未設定の端末"  # a station's logs before staff name it (園情報編集 › ログイン中の端末)
STATION_DISABLED = "入退登録が無効になりました。管理画面で設定を確認し、再度ログインしてください"
NURSERY_MISMATCH = "この端末の保育園と異なる保育園IDが指定されました"
SCAN_ID_REUSED = "このスキャンIDは別の保護者または入/出で使用済みです"
SCANNED_AT_TOO_OLD = "スキャン時刻が保存期間より前のため、記録できません"
SCANNED_AT_NEEDS_ZONE = "スキャン時刻にはタイムゾーン（例: +09:00 または Z）を付けてください"
NURSERY_REQUIRED = "保育園を指定してください（nurseryId）"
CODE_TAKEN = "この保育園コードは既に使われています"
ADD_NURSERY_SCOPED = "園を限定された権限では保育園を追加できません"
PARENT_HAS_LOGS = "入退ログがある保護者は削除できません（ログは保持されます）"
PHYSICAL_DELETE_FORBIDDEN = "入退ログの物理削除は管理者のみが行えます"
RANGE_REVERSED = "期間の開始が終了より後になっています"
PARENTS_OF_OTHER_NURSERY = "指定された保護者はこの保育園に登録されていません"
CSV_UNREADABLE = "CSVファイルを読み込めません（UTF-8 または Shift_JIS のCSVを指定してください）"
CSV_TOO_MANY_ROWS = (
    "一度に取り込めるのは{limit:,}行までです（このファイルは{rows:,}行）。ファイルを分けて取り込んでください"
)
IMPORT_NOT_FOUND = "名簿の取込が見つかりません"
IMPORT_STATUSES = RosterImportStatus.words()
NO_PARENTS_FOR_CARDS = "このクラスにはカードを作る保護者がいません"
BAD_HOUR_MINUTE = "時刻はHH:MM形式（例: 18:30）で指定してください"
PARENT_NOT_INSIDE = "この保護者は園内にいないため、退出を記録できません（今日の入園記録がないか、退出済みです）"
# 再登録 (CON-B-002: a wrong scan is deleted, the right one recorded by hand at its real time)
MANUAL_IN_FUTURE = "未来の日時は登録できません"
MANUAL_TOO_OLD = "登録できるのは保存期間（{days}日）内の日時です"
MANUAL_NEEDS_ZONE = "日時にはタイムゾーン（例: +09:00）を付けてください"
EXIT_BEFORE_ENTRY = "退出の時刻は入園の時刻（{entered}）より後にしてください"
EXIT_NOT_TODAY = "退出を記録できるのは今日の時刻です（前日以前は入退管理ログの「再登録」で登録してください）"
MANUAL_MARK = "手入力"
FROM_DOOR_MARK = "入のスキャンから"  # 出席 by a parent's 入 that day, staff having recorded nothing
ABSENT_WITH_LOGS_MARK = "欠席登録あり"  # a child registered 欠席 whose parent came or went that day
# 「カードを忘れた方」 at the station (door/forgotten_card.py): staff unlock it with the nursery's PIN
BAD_PIN = "暗証番号が正しくありません"
PIN_NOT_SET = "暗証番号が設定されていません。管理画面の「園情報編集」で設定してください"
PIN_RULE = "数字{least}〜{most}桁"
UNLOCK_EXPIRED = "「カードを忘れた方」の画面の有効時間が過ぎました。もう一度暗証番号を入力してください"
PERSON_KINDS = PersonKind.words()
FORGOTTEN_CARD_NOT_PERSON = "この方は今日の入退を記録できる保護者・「本日のみ」の方ではありません"
# 延長保育 (extended_care/)
# The month's 出欠表 (attendance/month.py): a day's cell is its hours (入 to 出), else one of these marks
MONTH_PRESENT_MARK = "出"
MONTH_ABSENT_MARK = "欠"
MONTH_PRESENT_DAYS = "出席日数"
MONTH_ABSENT_DAYS = "欠席日数"
MONTH_HOURS = "在園時間"
MONTH_TITLE = "{nursery}　{year}年{month}月　出欠表"
MONTH_LEGEND = (
    f"時間: 入から出までの在園時間（時:分）　{MONTH_PRESENT_MARK}: 出席（入と出の記録がそろわない日）　"
    f"{MONTH_ABSENT_MARK}: 欠席"
)
BAD_MONTH = "対象月はYYYY-MM形式（例: 2026-01）で指定してください"
HOURS_IN_PAST_MONTH = "過去の月の保育時間は変更できません（適用開始日は今月以降にしてください）"
HOURS_REVERSED = "終了時刻は開始時刻より後にしてください"
NO_CARE_HOURS = "保育時間が設定されていません"
CARE_MINUTES_COLUMN = "延長保育時間（分）"
CARE_UNITS_COLUMN = "延長保育単位数"
# Pick-up safety (pickup/)
PICKUP_WARNING = "{children}のお迎えは登録されていません — 職員が確認してください"
CHILD_NAME = "{name}ちゃん"
PICKUP_KINDS = PickupKind.words()
PASS_DATE_PAST = "「本日のみ」の日付は今日以降にしてください"
PASS_NEEDS_CHILDREN = "お迎えする園児を1人以上選んでください"
CHILDREN_OF_OTHER_NURSERY = "指定された園児はこの保育園に登録されていません"
PASS_NOT_FOUND = "「本日のみ」のお迎え登録が見つかりません"
NOT_A_GUARDIAN = "「本日のみ」の方はお迎え不可にできません（登録を取り消してください）"
ALERT_NOT_FOUND = "お迎えの警告が見つかりません"
PHOTO_NOT_FOUND = "写真が登録されていません"
PHOTO_TYPES = "JPEG・PNG・HEIC"
PASS_CARD_TITLE = "お迎え用バーコード（本日のみ）"
PASS_CARD_VALID = "有効日: {day}（この日のみ有効）"
PASS_CARD_CHILDREN = "お迎えする園児: {children}"
PASS_CARD_RELATION = "続柄: {relation}"
PASS_CARD_USAGE = "お迎えの際、保育園の入退登録端末のスキャナーにかざしてください"

# Closing time: parents still inside after it, and the admins' e-mail listing them
MISSING_EXIT_MARK = "退出記録なし"
CLOSING_NOTICE_SUBJECT = "【入退管理】{nursery}: 閉園時刻（{closing}）を過ぎても退出記録のない保護者が{count}人います"
CLOSING_NOTICE_INTRO = (
    "{nursery}で、閉園時刻（{closing}）を過ぎても退出が記録されていない保護者がいます。\n"
    "園内にいないことを確かめたうえで、「園内にいる保護者」画面の「退出を記録」で退出を記録してください。"
)
CLOSING_NOTICE_COLUMNS = ("保護者", "入園", "園児")
CLOSING_NOTICE_LINK = "園内にいる保護者: {url}"

CARD_USAGE = "保育園の入退登録端末のスキャナーにかざしてください"
CARD_QR_HINT = "スマホ用バーコード"

# The parent's phone barcode page (§6.1)
PARENT_PAGE_TITLE = "入退管理バーコード"
PARENT_PAGE_NAME = "{name} 様"
PARENT_PAGE_USAGE_TITLE = "使い方:"
PARENT_PAGE_BRIGHTNESS = "読み取りにくいときは、画面の明るさを最大にしてください"
PARENT_LINK_INVALID = "このリンクは無効です。保育園に新しいリンクの発行を依頼してください"

CSV_HEADER = (
    "日時",
    "保護者ID",
    "保護者名",
    "入/出",
    "園児名",
    "保育園",
    "端末",
    "端末の時刻",
    "手入力者",
    "手入力の理由",
    "登録日時",
    "遅延登録",
)
LATE_MARK = "遅延"
ROSTER_COLUMNS = {
    "parent_name": "保護者名",
    "parent_name_kana": "保護者ふりがな",
    "phone": "電話番号",
    "child_name": "園児名",
    "child_name_kana": "園児ふりがな",
    "class_name": "クラス",
}

AUDIT = register(
    Vocabulary(
        "entry_logs",
        actions={
            "sign_out_stations": "全端末のログアウト",
            "sign_out_station": "端末のログアウト",
            "name_station": "端末名の設定",
            "set_entry_exit_password": "入退パスワードの設定",
            "clear_entry_exit_password": "入退パスワードの削除",
            "station_login": "入退登録端末のログイン",
            "station_login_failed": "入退登録端末のログイン失敗",
            "import_roster": "名簿CSVの取込",
            "finish_roster_import": "名簿取込の完了",
            "reissue_parent_link": "バーコードリンクの再発行",
            "revoke_parent_link": "バーコードリンクの無効化",
            "set_attendance": "出欠の記録",
            "clear_attendance": "出欠の取消",
            "record_exit": "退出の記録",
            "record_log": "入退の再登録",
            "restrict_pickup": "お迎え不可の設定",
            "lift_pickup_restriction": "お迎え不可の解除",
            "create_pickup_pass": "「本日のみ」お迎えの登録",
            "revoke_pickup_pass": "「本日のみ」お迎えの取消",
            "set_guardian_photo": "保護者写真の登録",
            "remove_guardian_photo": "保護者写真の削除",
            "acknowledge_pickup_alert": "お迎え警告の確認",
            "set_station_pin": "「カードを忘れた方」の暗証番号の設定",
            "clear_station_pin": "「カードを忘れた方」の暗証番号の削除",
            "unlock_forgotten_card": "「カードを忘れた方」の解錠",
            "unlock_forgotten_card_failed": "「カードを忘れた方」の解錠失敗",
            "record_forgotten_card": "カードを忘れた方の入退の記録",
            "set_care_hours": "保育時間（延長保育）の設定",
            "soft_delete": "入退ログの削除（記録は保持）",
        },
        targets={
            "nursery": Target.named_by("保育園", "entry_logs_nursery", "name"),
            "parent": Target.named_by("保護者", "entry_logs_parent", "name"),
            "child": Target.named_by("園児", "entry_logs_child", "name"),
            "attendance": Target("出欠", table="entry_logs_attendance"),
            "entry_exit_log": Target("入退ログ"),
            "roster_import": Target(
                "名簿取込", by_column("entry_logs_roster_import", "filename"), name_field="filename"
            ),
            "station_session": Target("入退登録端末", by_column("entry_logs_station_session", "station_id")),
            "pickup_alert": Target("お迎え警告", by_column("entry_logs_pickup_alert", "child_names")),
        },
        # The fields of its tables name themselves (service/fields.py); the first table naming a field words it where an
        # entry's own kind does not (action_tables).
        tables=(
            "entry_logs_care_hours",
            "entry_logs_pickup_rule",
            "entry_logs_nursery",
            "entry_logs_parent",
            "entry_logs_child",
            "entry_logs_attendance",
            "entry_logs_station_name",
        ),
        action_tables={"set_care_hours": "entry_logs_care_hours", "name_station": "entry_logs_station_name"},
        fields={
            "nursery_code": "保育園コード",
            "device_token": "記憶済みの端末",
            "name": "名前",
            "nursery_id": "保育園",
            "parent_ids": "保護者",
            "station_generation": "端末ログインの世代",
            "entry_exit_password": "入退パスワード",
            "link_version": "リンクの版",
            "link_revoked": "リンク無効",
            "status": "出欠",
            "parent_id": "保護者",
            "entry_type": "入/出",
            "occurred_at": "日時",
            "station_id": "端末",
            "scanned_at": "スキャン日時",
            "sent_at": "送信日時",
            "station": "端末",
            "client_scan_id": "スキャンID",
            "deleted_at": "削除日時",
            "deleted_by": "削除者",
            "delete_reason": "削除理由",
            "reason": "理由",
            "recorded_by": "手入力者",
            "manual_reason": "手入力の理由",
            "restricted_parent_id": "お迎え不可の保護者",
            "child_ids": "園児",
            "photo": "写真",
            "photo_version": "写真の版",
            "acknowledged_at": "確認日時",
            "acknowledged_by": "確認者",
            "filename": "ファイル名",
            "rows": "行数",
            "parents_created": "追加した保護者",
            "children_created": "追加した園児",
            "links_created": "追加した紐付け",
            "rejected_rows": "取り込めなかった行",
            "signed_out_at": "ログアウト日時",
            "decided_by": "入/出の判定",
            "station_pin": "「カードを忘れた方」の暗証番号",
            "pin": "暗証番号",
            "staff_name": "職員名",
        },
        values={
            "entry_type": ENTRY_TYPE_LABELS,
            "decided_by": DECIDED_BY,
            **LOGIN_VALUES,
            "reason": {**LOGIN_VALUES["reason"], "bad_pin": BAD_PIN},
        },
        statuses={"entry_logs_attendance": ATTENDANCE_LABELS, "entry_logs_roster_import": IMPORT_STATUSES},
        references={
            "nursery_id": by_column("entry_logs_nursery", "name"),
            "parent_id": by_column("entry_logs_parent", "name"),
            "parent_ids": by_column("entry_logs_parent", "name"),
            "restricted_parent_id": by_column("entry_logs_parent", "name"),
            "child_ids": by_column("entry_logs_child", "name"),
        },
    )
)
