"""代理店CRM wording of the dashboards: field names (spec §2.4, §2.5, §3.1, §3.2), status marks and messages.

Status names and the API's own messages come from the API (status_label, masters, error messages).
"""

from dashboards import crm_api, fields

# §2.5 地点 (5page 申込情報入力) and §3.2's 電力供給エリア, grouped as §3.2's input area (the names: `site_fields`).
SITE_GROUPS = {
    "基本情報": ("pps_business_number", "service_type", "application_type"),  # サービス種別 follows the PPS
    "電力情報": ("power_area", "power_supplier_type", "power_customer_number", "power_customer_location_number"),
    "使用場所": (
        "power_zip_code",
        "power_prefecture",
        "power_city",
        "power_town",
        "power_street",
        "power_building",
        "power_room_number",
        "power_building_type",
        "power_branch_name",
        "power_customer_name",
        "power_customer_name_kana",
    ),
    "明細情報": ("latest_charges", "latest_power_usage", "latest_date"),
    "契約情報": ("power_plan_name", "contract_capacity", "moving_in_date", "power_amounts_form"),
    "ガス": ("contract_corporation_type", "saisan_gas_yoto", "ecolog_gas_yoto"),
    "オプション": ("option_plans",),
    "管理": ("note",),
}


def field_names(form: str) -> dict[str, str]:
    """A form's fields' names as the API words them (corporation, site, agency): field -> name, in the form's order."""
    return crm_api.vocabulary()["field_labels"][form]


def site_fields() -> dict[str, str]:
    """The site's fields' names, in SITE_GROUPS' order."""
    names = field_names("site")
    return {field: names[field] for fields in SITE_GROUPS.values() for field in fields}


# The user forms' fields: an account's and its grant's, served by the CRM's vocabulary with its own (body field ->
# table, column).
ACCOUNT_FIELDS = {
    "login_id": ("identity_user", "login_id"),
    "name": ("identity_user", "name"),
    "email": ("identity_user", "email"),
    "password": ("identity_user", "password_hash"),
    "is_active": ("identity_user", "is_active"),
    "role": ("identity_grant", "role"),
    "scope": ("identity_grant", "scope"),
}


# The other tables whose fields a CRM form edits: a request's 備考・申告地点数, a user's CRM profile.
FORM_TABLES = ("crm_request", "crm_profile")


def yes_no_fields() -> dict[str, fields.Field]:
    """Every yes-or-no field a CRM form may carry, by name, with its two words (有効 / 無効) for the conflict lists."""
    served = crm_api.vocabulary()["fields"]
    return {
        name: fields.field("crm", table, name)
        for table, columns in served.items()
        for name, words in columns.items()
        if words["words"]
    }


def field_labels() -> dict[str, str]:
    """Every field name a CRM form may carry, for messages and the conflict lists."""
    vocabulary = crm_api.vocabulary()
    served = vocabulary["field_labels"]
    forms = served["corporation"] | served["site"] | served["agency"] | served["other"]
    declared = {name: words["label"] for table in FORM_TABLES for name, words in vocabulary["fields"][table].items()}
    accounts = {name: fields.field("crm", *where).label for name, where in ACCOUNT_FIELDS.items()}
    return forms | declared | accounts


STATUS_COLUMN = "ステータス"
UNREAD_COLUMNS = ("不備通知", "未読通知")
UNREAD_MARK = "未読あり"
NEWS_MARK = "未読"
RESUBMITTED_COLUMN = "不備再提出"  # when a case sent back for 不備 came back from sales, while it waits (対応中)
OPEN_WORK = "in_progress"  # 投入案件一覧 opens on the work waiting for the input team: 未対応 and 不備再提出

SECURITY_CODE_AGAIN = (
    "この法人のセキュリティコードは前回の依頼の投入完了時に削除されています（カード情報の保護のため）。"
    "クレジットカード払いの地点を追加するには、お客様に確認してもう一度入力してください。"
)
SECURITY_CODE_NEEDED = (
    "セキュリティコードが必要です：この法人のセキュリティコードは前回の依頼の完了時に削除されました。"
    "コメントで営業担当者に再入力を依頼してください（法人情報の編集で入力できます）。"
)

# ヘルプ (§3 FAQ / guides): what each page is for, and each role's flow; statuses, pages and rules are filled in
# from the vocabulary and the page registry, so the help says what the pages show.
PAGE_GUIDES = {
    "ダッシュボード": "全代理店の件数・ステータス別件数・不備率を確認します。",
    "マイ依頼一覧": "自分の投入依頼と、その地点のステータス・未読の不備通知を確認します。"
    "営業マネージャーは「チームの依頼」で代理店全体の依頼を営業担当者・ステータス別に確認します。",
    "新規投入依頼": "新しい法人の契約者情報・支払方法と明細画像を送ります。",
    "既存法人に地点追加": "登録済みの法人を検索し、追加する地点の明細画像を送ります。",
    "不備確認・修正": "不備の理由を読み、法人情報・画像・備考を直して修正再提出します。",
    "投入案件一覧": "全代理店の投入依頼をステータス・法人名・営業担当者・担当者・期間・未読で絞り込み、"
    "「次の依頼を担当」で未割当の依頼を1件引き受けます。",
    "案件詳細": "明細画像から地点を作成し、キャリアの項目を入力してステータスを進めます。",
    "獲得案件一覧": "投入済みの地点を法人ごとに確認し、CSVで出力します。",
    "代理店別数値": "代理店ごとの依頼件数・投入済件数・不備率・初回完了率・投入済までの日数・主な不備理由を"
    "期間で比べます。",
    "代理店管理": "代理店の登録・編集・無効化を行います。",
    "ユーザー管理": "ユーザーの追加・編集と、役割・代理店の割り当てを行います。",
    "マスタ管理": "オプションサービスと選択肢を追加・編集・無効化します（使用中のコードは削除できません）。",
    "監査ログ": "誰がいつ何を変更したか（変更前後）と、ログイン・ログアウトを確認します。",
    "ヘルプ": "このページです。",
}
FLOWS = {
    "sales": (
        "「新規投入依頼」（既存の法人なら「既存法人に地点追加」）で法人情報と明細画像を送ります。",
        "投入担当者が地点を作成し、ステータスは「{in_progress}」になります。",
        "「{deficient}」になったら通知が届きます。「不備確認・修正」で理由を読み、直して修正再提出します。",
        "キャリアへの投入が済んだ地点は「{submitted}」になり、「獲得案件一覧」に表示されます。",
        "不要になった依頼・地点は「{in_progress}」「{deficient}」の間だけ「{cancelled}」にできます。",
    ),
    "operator": (
        "「投入案件一覧」の「次の依頼を担当」で、未割当の「{in_progress}」の依頼を1件引き受けます（修正再提出が先です）。",
        "「案件詳細」で明細画像から地点を作成し、キャリアの項目を入力して画像を紐づけます。",
        "足りない情報があれば理由を付けて「{deficient}」にします。営業担当者に通知が届きます。",
        "キャリア管理画面へ投入したら「{submitted}」にします（下の必須項目がそろっている必要があります）。",
        "キャリア向けCSVは案件詳細から出力できます。",
    ),
    "admin": (
        "ダッシュボードと「代理店別数値」で全体の状況を確認します。",
        "代理店・ユーザー・マスタを管理し、変更は「監査ログ」で確認できます。",
        "営業担当者・投入担当者の画面もすべて使えます（流れは各担当者と同じです）。",
    ),
}
RULES = {
    "sales": (
        "見られるのは自分の代理店の法人・依頼・獲得案件だけです。",
        "カード番号とセキュリティコードは暗号化して保存し、画面では下4桁だけ表示します。",
        "セキュリティコードは依頼が「{submitted}」か「{cancelled}」になると削除されます。"
        "同じ法人にあとから地点を追加するときは、もう一度入力してください。",
    ),
    "operator": (
        "カード番号の全桁表示は記録に残ります（監査ログ）。",
        "セキュリティコードが削除済みの依頼では、画面に「セキュリティコードが必要です」と表示されます。"
        "営業担当者に再入力を依頼してください。",
        "他の人が先に更新した内容は上書きされません。最新の内容を読み込んでから入力し直してください。",
    ),
    "admin": (
        "使用中のオプション・選択肢は削除できません。無効にすると新しい入力では選べなくなり、"
        "すでに入力済みの値はそのまま残ります。",
        "マスタ・代理店・ユーザーの変更はすべて監査ログに記録されます。",
    ),
}
SUBMISSION_GROUPS = {
    "always": "常に",
    "electric": "電気の地点",
    "switch": "申込区分が他社からの切替",
    "switch_electric": "電気の切替",
    "move_in": "申込区分がご入居・移転・切替(開業)",
}

CONFLICT = (
    "他のユーザーが更新しました。現在の内容は次のとおりです。最新の内容を読み込んでから、もう一度入力してください。"
)
RELOAD = "最新の内容を読み込む"
MERGE = "自分の変更を反映して保存"
MERGE_OFFER = (
    "他のユーザーが先に更新しましたが、あなたが変更した項目には触れていません。自分の変更を反映して保存できます。"
)
MERGE_CONFLICT = (
    "他のユーザーが先に更新し、次の項目はあなたと同じく変更されています。"
    "それ以外の項目は、自分の変更を反映して保存できます。"
)
MERGE_FIELDS = "反映する項目: {fields}"
MERGE_KEPT = "（{fields}は他のユーザーの値のままです）"
NO_REQUEST = "依頼が見つかりません。一覧から選び直してください。"
