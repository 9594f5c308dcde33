"""Every Japanese word the loaners (代替機) domain shows and every fixed key of the spec, in one place."""

from service.loaners.kinds import Category, DeviceKind, DeviceType, HeldStatus, LocationStatus, QuestionType
from service.words import Target, Vocabulary, by_column, register

DOMAIN = "loaners"

# The kinds' words are declared with their codes in kinds.py; these are their tables.
CATEGORY_NAMES = Category.words()  # §2.2.3 カテゴリマスタ
KINDS = DeviceKind.words()
DEVICE_TYPES = tuple(device_type.value for device_type in DeviceType)
LOCATION_STATUSES = LocationStatus.words()
IMPORT_STATUSES = {
    "reading": "読み込み中",
    "checking": "確認中",
    "checked": "確認済み",
    "queued": "待機中",
    "running": "処理中",
    "done": "完了",
    "failed": "失敗",
}
IMPORT_LIST_COLUMNS = {
    "id": "ID",
    "created_at": "取込日時",
    "created_by": "取込者",
    "filename": "ファイル名",
    "form_label": "取込先のフォーム",
    "total_rows": "行数",
    "taken_rows": "取り込む行",
    "duplicate_rows": "重複",
    "unreadable_rows": "読み取れない",
    "outside_rows": "管轄外",
    "held_rows": "確認待ち",
    "status_label": "状態",
    "finished_at": "完了日時",
}
IMPORT_OUTCOMES = {
    "import": "取り込む",
    "duplicate": "重複（取り込まない）",
    "unreadable": "読み取れない",
    "outside": "管轄外（取り込まない）",  # a row of another 管轄's location: readable, not the clerk's
    "held": "確認待ち（取り込まない）",  # its serial is one edit from a known device's: a person says which it is
}
ROTATION_STATUSES = {"running": "実行中", "done": "完了", "failed": "失敗", "skipped": "対象なし"}
ROTATION_STALE = "処理していたワーカーが停止したため中断されました"  # a run left running past its time
QUESTION_TYPES = QuestionType.words()

# The form keys the rules of §2.6.2 and §2.3.4 name.
PERSON_KEY = "0-1.担当者"
STATUS_KEY = "0-4.ステータス"
CUSTODY_KEY = "1-4.ユーザー機の預り有無"
HELD_KEY = "預かり機のステータス"
HELD_KEY_ALIASES = ("預り機のステータス",)
LENT = "1.貸出中"
CUSTODY_YES = "有り"

# §2.6.2 預り機のステータス -> §3.1.3 summary category, with the card's look from the SUMMARY data type.
HELD_STATUSES = HeldStatus.words()
# SUMMARY's cards: the held statuses, and a blank one (預り機ステータス未設定) as 未分類.
UNCLASSIFIED = "未分類"
UNCLASSIFIED_NOTE = (
    "未分類は預かり機のステータスが空白の機器です。サマリーは預かり機のステータスに値がある機器だけを集計するため、"
    "4つのカテゴリとは分けて表示し、預かり機の合計には含めません。"
)
SUMMARY_CATEGORIES = {**HELD_STATUSES, "": UNCLASSIFIED}
# 返却待ち: the held statuses followed until the device comes back (返却可能 first), with their age.
RETURN_STATUSES = tuple(status.value for status in HeldStatus if status.followed)  # 返却可能, 商談中, 返却拒否
RETURNABLE = RETURN_STATUSES[0]
CUSTOMER_KEY = "1-1.貸出先"
RETURN_EXPORT_COLUMNS = {
    "location_name": "拠点",
    "management_number": "拠点管理番号",
    "model_name": "機種名",
    "device_type": "デバイスタイプ",
    "held_status": "預かり機のステータス",
    "status_days": "日数",
    "status_since": "この状態になった日時",
    "customer": "貸出先",
    "person": "担当者",
    "held_since": "預かり開始",
}

COL_NUMBER = "拠点管理番号"
COL_KIND = "機器種別"
COL_MODEL = "機種名"
COL_SERIAL = "製造番号"
COL_TIMESTAMP = "タイムスタンプ"
COL_EMAIL = "メールアドレス"  # who answered (AUDIT's history)
COL_STATUS_DAYS = "預かり機のステータスの日数"  # NORMAL: days in the current held status (返却可能 for how long)
NORMAL_BASE_COLUMNS = (COL_NUMBER, COL_KIND, COL_MODEL, COL_SERIAL, COL_TIMESTAMP)
AUDIT_COLUMNS = (
    "担当者",
    "資産管理番号",
    "拠点管理番号",
    "機種名",
    "製造番号",
    "ソフトウェア",
    "OS",
    "ステータス",
    "貸出先",
    "貸出日",
    "ユーザー預り機有",
    "お預かり証No.",
    "備考",
)
SUMMARY_EXPORT_COLUMNS = {
    "category": "カテゴリ",
    "held_status": "預かり機のステータス",
    "location_name": "拠点",
    "management_number": "拠点管理番号",
    "model_name": "機種名",
    "device_type": "デバイスタイプ",
    "held_since": "保有開始",
    "held_days": "保有日数",
}
ARCHIVED = "アーカイブ"
ARCHIVED_COLUMN = "保存先"
VIEW_COLUMNS = (*NORMAL_BASE_COLUMNS, *AUDIT_COLUMNS)  # any view may show these, and any question's key

# Import (Google Forms response sheets, §2.1.2).
IMPORT_TIMESTAMP = "タイムスタンプ"
IMPORT_EMAIL = "メールアドレス"
IMPORT_NUMBER = "0-2.拠点管理番号"
IMPORT_MODEL = "0-3.機種名"
IMPORT_COLUMNS = (IMPORT_TIMESTAMP, IMPORT_EMAIL, IMPORT_NUMBER, IMPORT_MODEL)  # besides the questions' keys
IMPORT_UNKNOWN_DEVICE = "台帳になく、登録もできません: {reason}（番号を直して取り込み直してください）"
IMPORT_WRONG_FORM = "{kind}の機器です（{kind}の回答シートとして取り込んでください）"
IMPORT_DUPLICATE = (
    "同じ機器・同じタイムスタンプの回答は既に登録されています（取り込み済みの行です。そのままで構いません）"
)
IMPORT_MISTYPED = (
    "{typed} は {known} の打ち間違いではありませんか（台帳の {number}）。"
    "取込の後、この行が台帳の機器なら「既存を更新」、新しい機器なら「新規として登録」を押してください"
)
HELD_RESOLUTIONS = {"new": "新規として登録", "existing": "既存を更新"}  # what a 確認待ち row is, as a person says
HELD_NOT_DONE = "確認待ちの行は、取込が終わってから登録できます"
HELD_NOT_FOUND = "{row}行目は確認待ちの行ではありません（登録済みか、確認待ちではない行です）"
HELD_KNOWN_GONE = "{number} に近い製造番号の機器が台帳にありません。新規として登録してください"
IMPORT_TOO_MANY_ROWS = "一度に取り込めるのは{limit}行までです（ファイルを分けて取り込んでください）"
IMPORT_NO_NUMBER = "拠点管理番号（機器の識別子）がありません（番号を書いてください）"
IMPORT_NOT_CHECKED = "取込前の確認が済んだ取込だけを取り込めます"
IMPORT_OUTSIDE_JURISDICTION = (
    "拠点「{location}」（{jurisdiction}）は管轄外です（取り込めるのは{own}の拠点の機器だけです。"
    "その管轄の担当者に取り込んでもらってください）"
)
BULK_UNKNOWN_DEVICES = "選択した機器が見つかりません: {ids}"
BULK_DEVICE_INVALID = "{number}: {message}"

NOT_FOUND = "指定されたデータは見つかりません"
INVALID_NUMBER = "拠点管理番号が規則に合いません: {reason}"
NUMBER_FORMAT = "英数字とハイフンの5つのセクションを「_」でつないだ形（拠点コード_カテゴリ_モデル_製造番号_連番）"
NUMBER_TAKEN = "この拠点管理番号は既に使われています"
PERIOD_ORDER = "期間の開始日は終了日以前にしてください"
DUPLICATE_SERIAL = (
    "同じ機種で製造番号「{serial}」の機器は既に登録されています: {numbers}。別の機器なら確認のうえ登録してください"
)
NUMBER_EXHAUSTED = "この拠点・機種・製造番号の連番が999に達しました"
UNKNOWN_LOCATION = "拠点が見つかりません"
UNKNOWN_MODEL = "機種が見つかりません"
INACTIVE_LOCATION = "無効な拠点には機器を登録できません"
UNKNOWN_QUESTION = "フォームにない質問です: {key}"
NOT_A_CHOICE = "「{key}」の回答「{value}」は選択肢にありません"
REQUIRED = "「{key}」は必須です"
BAD_DATE = "「{key}」は日付（yyyy/MM/dd）で入力してください"
ASSET_NUMBER_REQUIRED = "端末には資産管理番号が必要です"
BAD_NUMBER = "「{key}」は数値で入力してください"
TOO_LONG = "「{key}」は{limit}文字以内で入力してください"
HELD_NOT_ALLOWED = (
    "預かり機のステータスは「0-4.ステータス」が「1.貸出中」かつ"
    "「1-4.ユーザー機の預り有無」が「有り」の場合のみ設定できます"
)
CONDITION_NOT_MET = "「{key}」は{condition}の場合のみ回答できます"
ANSWERS_INVALID = "回答内容に誤りがあります"
LOCATION_HAS_DEVICES = "機器が登録されている拠点は削除できません"
LOCATION_CODE_FIXED = "機器が登録されている拠点の拠点コードは変更できません（拠点管理番号に含まれています）"
MODEL_HAS_DEVICES = "機器が登録されている機種は削除できません"
MODEL_FIXED = "機器が登録されている機種の機種名・カテゴリは変更できません（拠点管理番号に含まれています）"
MODEL_SECTION_EMPTY = "機種名から拠点管理番号のモデル部分を作れません（英数字を含めてください）"
MODEL_SECTION_TAKEN = "拠点管理番号のモデル部分「{section}」が既存の機種「{name}」と同じになります"
DEVICE_HAS_HISTORY = "ステータスの回答がある機器は削除できません（回答は追記のみで消せません）"
DATA_TYPE_ORDER_TAKEN = "この表示順序は既に使われています"
DATA_TYPE_INACTIVE = "このデータタイプは無効です"
BAD_SOURCE_SHEETS = "データソース設定の sourceSheets は次のシートから選んでください: {known}"
BAD_FILTER_CONDITION = (
    "フィルタ条件はJSONか key=値 を&でつないだ形で、キーは kind・status・held_status・location_id・jurisdiction です"
)
BAD_COLUMNS = "表示列設定の列「{column}」は表示できません（ビューの列かフォームの質問キーを指定してください）"
DATA_TYPE_BUILT_IN = "標準のデータタイプは削除できません（無効にはできます）"
QUESTION_KEY_TAKEN = "この質問キーはフォームに既にあります"
CONDITION_UNKNOWN = "条件の質問「{key}」がフォームにないか、値「{value}」がその選択肢にありません"
CHOICES_NEEDED = "選択式の質問には選択肢が必要です"
UNIQUE_TAKEN = "{field}は既に使われています"
TOO_MANY_LABELS = "一度に印刷できるラベルは{limit}枚までです"
NO_DEVICES_FOR_LABELS = "ラベルを印刷する機器がありません"
ROTATION_RUNNING = "ローテーションは実行中です"
ARCHIVE_NOT_FOUND = "指定されたアーカイブは見つかりません"
UNKNOWN_DEVICE = "機器が見つかりません"
LABEL_SHEET_TITLE = "{location} 代替機ラベル"

# Status-change mail (§1.3: sent on form submission only, when the location opted in).
MAIL_SUBJECT = "【代替機】{number} のステータスが「{status}」に変更されました"
MAIL_BODY = """{location} ご担当者様

代替機のステータスが変更されました。

拠点管理番号: {number}
機種名: {model}
変更前: {before}
変更後: {status}
預かり機のステータス: {held}
担当者: {person}
回答者: {email}
日時: {at}

このメールは代替機管理システムから自動送信されています。
"""
NO_VALUE = "（なし）"

# The weekly 返却待ち digest (return_digest.py).
DIGEST_SUBJECT = "【代替機】{location}: 返却待ちの代替機 {count}台（{days}日以上）"
DIGEST_INTRO = """{location} ご担当者様

預かり機のステータスが{days}日以上変わっていない代替機の一覧です（日数の長い順）。
「1.返却可能」の代替機はお客様の機器の修理が終わっています。回収をお願いします。"""
DIGEST_SECTION = "{category}（{count}台）"
DIGEST_COLUMNS = ("拠点管理番号", "機種名", "貸出先", "日数")
DIGEST_DAYS = "{days}日"
DIGEST_MORE = "ほか{count}台"
DIGEST_LINK = """一覧: {url}

このメールは代替機管理システムから毎週自動送信されています。"""

AUDIT = register(
    Vocabulary(
        DOMAIN,
        actions={
            "submit_status": "ステータスの送信",
            "import_submissions": "回答CSVの取込",
            "check_submissions": "回答CSVの取込前確認",
            "resolve_held_row": "確認待ちの行の登録",
            "bulk_submit_status": "ステータスの一括変更",
            "start_rotation": "ローテーションの開始",
        },
        targets={
            "location": Target.named_by("拠点", "loaners_location", "name"),
            "model": Target.named_by("機種", "loaners_model", "name"),
            "data_type": Target.named_by("データタイプ", "loaners_data_type", "name"),
            "question": Target.named_by("質問", "loaners_question", "key"),
            "device": Target.named_by("機器", "loaners_device", "management_number"),
            "import": Target("回答CSV取込", by_column("loaners_import", "filename"), name_field="filename"),
            "rotation": Target("ローテーション"),
        },
        tables=("loaners_location", "loaners_model", "loaners_data_type", "loaners_question", "loaners_device"),
        fields={
            "id": "ID",
            "name": "名前",
            "status": STATUS_KEY,
            "answers": "回答",
            "device_ids": "機器",
            "confirm": "製造番号の重複を確認済み",
            "dry_run": "取込前の確認",
            "form_kind": "フォーム",
            "form": "フォーム",
            "filename": "ファイル名",
            "rows": "行数",
            "cutoff": "基準日時",
            "resolution": "確認待ちの行の扱い",
        },
        values={
            "kind": KINDS,
            "form": KINDS,
            "type": QUESTION_TYPES,
            "category": CATEGORY_NAMES,
        },
        statuses={
            "loaners_location": LOCATION_STATUSES,
            "loaners_data_type": LOCATION_STATUSES,
            "loaners_import": IMPORT_STATUSES,
            "loaners_rotation": ROTATION_STATUSES,
        },
        references={
            "location_id": by_column("loaners_location", "name"),
            "model_id": by_column("loaners_model", "name"),
        },
    )
)
