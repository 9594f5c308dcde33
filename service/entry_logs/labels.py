"""Every Japanese word and message of the 入退管理 domain, in one place."""

ENTRY_TYPE_LABELS = {"Entry": "入", "Exit": "出"}
ATTENDANCE_LABELS = {"present": "出席", "absent": "欠席"}

PARENT_NOT_FOUND = "保護者が見つかりません"
CHILD_NOT_FOUND = "園児が見つかりません"
NURSERY_NOT_FOUND = "保育園が見つかりません"
LOG_NOT_FOUND = "入退ログが見つかりません"
BAD_PARENT_ID = "保護者IDは数字のみ、1～10桁で入力してください"
BAD_CREDENTIALS = "保育園コードまたはパスワードが正しくありません"
STATION_NOT_FOUND = "入退登録端末が見つかりません"
STATION_DISABLED = "入退登録が無効になりました。管理画面で設定を確認し、再度ログインしてください"
NURSERY_MISMATCH = "この端末の保育園と異なる保育園IDが指定されました"
SCAN_ID_REUSED = "このスキャンIDは別の保護者または入/出で使用済みです"
SCANNED_AT_TOO_OLD = "スキャン時刻が保存期間より前のため、記録できません"
SCANNED_AT_NEEDS_ZONE = "スキャン時刻にはタイムゾーン（例: +09:00 または Z）を付けてください"
NURSERY_REQUIRED = "保育園を指定してください（nurseryId）"
CODE_TAKEN = "この保育園コードは既に使われています"
PARENT_HAS_LOGS = "入退ログがある保護者は削除できません（ログは保持されます）"
PHYSICAL_DELETE_FORBIDDEN = "入退ログの物理削除は管理者のみが行えます"
RANGE_REVERSED = "期間の開始が終了より後になっています"
PARENTS_OF_OTHER_NURSERY = "指定された保護者はこの保育園に登録されていません"
CSV_UNREADABLE = "CSVファイルを読み込めません（UTF-8 または Shift_JIS のCSVを指定してください）"
CSV_MISSING_COLUMNS = "CSVの見出し行に必要な列がありません"
CSV_TOO_MANY_ROWS = (
    "一度に取り込めるのは{limit:,}行までです（このファイルは{rows:,}行）。ファイルを分けて取り込んでください"
)
IMPORT_NOT_FOUND = "名簿の取込が見つかりません"
IMPORT_STATUSES = {"queued": "待機中", "running": "処理中", "done": "完了", "failed": "失敗"}
NO_PARENTS_FOR_CARDS = "このクラスにはカードを作る保護者がいません"
BAD_HOUR_MINUTE = "時刻はHH:MM形式（例: 18:30）で指定してください"
PARENT_NOT_INSIDE = "この保護者は園内にいないため、退出を記録できません（今日の入園記録がないか、退出済みです）"

# Closing time: parents still inside after it, and the admins' e-mail listing them
MISSING_EXIT_MARK = "退出記録なし"
CLOSING_NOTICE_SUBJECT = "【入退管理】{nursery}: 閉園時刻（{closing}）を過ぎても退出記録のない保護者が{count}人います"
CLOSING_NOTICE_INTRO = (
    "{nursery}で、閉園時刻（{closing}）を過ぎても退出が記録されていない保護者がいます。\n"
    "園内にいないことを確かめたうえで、「園内にいる保護者」画面の「退出を記録」で退出を記録してください。"
)
CLOSING_NOTICE_LINE = "・{name}（入園 {entered}）園児: {children}"
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
    "関連園児",
    "保育園",
    "端末",
    "端末の時刻",
    "手入力者",
    "登録日時",
    "遅延登録",
)
LATE_MARK = "遅延"
ROSTER_COLUMNS = {"parent_name": "保護者名", "phone": "電話番号", "child_name": "園児名", "class_name": "クラス"}
