"""代理店CRM wording of the dashboards: field names (spec §2.4, §2.5, §3.1, §3.2), status marks and messages.

Status names and the API's own messages come from the API (status_label, masters, error messages).
"""

from dashboards import labels

# §2.4 法人 (1page 契約者情報, 2page 支払方法), in the order the form shows them.
CORPORATION_FIELDS = {
    "customer_type": "契約者区分",
    "corporation_number": "法人番号",
    "last_name": "契約者名（姓）",
    "first_name": "契約者名（名）",
    "last_name_kana": "契約者名カナ（セイ）",
    "first_name_kana": "契約者名カナ（メイ）",
    "representative_last_name": "代表者名（姓）",
    "representative_first_name": "代表者名（名）",
    "representative_last_name_kana": "代表者カナ（セイ）",
    "representative_first_name_kana": "代表者カナ（メイ）",
    "zip_code": "郵便番号",
    "prefecture": "都道府県",
    "city": "市区町村",
    "town": "町域",
    "street": "字・丁目＋番地号",
    "building_name": "建物名",
    "phone1": "連絡先番号1",
    "phone2": "連絡先番号2",
    "mail_address": "メールアドレス",
    "birthday": "生年月日",
    "representative_birthday": "代表者の生年月日",
    "job_type": "業種",
    "sales_channel_id": "営業チャネル",
    "payment_type": "支払方法",
    "credit_card_number": "クレジットカード番号",
    "credit_card_expire_month": "カード有効期限（月）",
    "credit_card_expire_year": "カード有効期限（年）",
    "credit_card_name": "カード名義",
    "credit_card_security_code": "セキュリティコード",
    "invoice": "請求明細",
    "payment_certificate": "支払証明",
    "billing_address_same": "請求書送付先が契約者住所と同一",
    "billing_zip_code": "請求書送付先郵便番号",
    "billing_prefecture": "請求書送付先都道府県",
    "billing_city": "請求書送付先市区町村",
    "billing_town": "請求書送付先町域",
    "billing_street": "請求書送付先番地",
    "billing_building": "請求書送付先建物名",
    "billing_customer_name": "請求書送付先宛名",
}

# §2.5 地点 (5page 申込情報入力) and §3.2's 電力供給エリア, grouped as §3.2's input area.
SITE_GROUPS = {
    "基本情報": {"service_type": "サービス種別", "pps_business_number": "PPS番号", "application_type": "申込区分"},
    "電力情報": {
        "power_area": "電力供給エリア",
        "power_supplier_type": "現在の電力会社",
        "power_customer_number": "お客様番号",
        "power_customer_location_number": "供給地点特定番号",
    },
    "使用場所": {
        "power_zip_code": "使用場所郵便番号",
        "power_prefecture": "使用場所都道府県",
        "power_city": "使用場所市区町村",
        "power_town": "使用場所町域",
        "power_street": "使用場所番地",
        "power_building": "使用場所建物",
        "power_room_number": "部屋番号",
        "power_building_type": "建物区分",
        "power_branch_name": "店舗名",
        "power_customer_name": "名義",
        "power_customer_name_kana": "名義カナ",
    },
    "明細情報": {
        "latest_charges": "最新の明細料金（円）",
        "latest_power_usage": "最新の電力使用量（kWh）",
        "latest_date": "最新の明細年月",
    },
    "契約情報": {
        "power_plan_name": "契約プラン",
        "contract_capacity": "契約容量",
        "moving_in_date": "入居日/開業日",
        "power_amounts_form": "力率",
    },
    "ガス": {
        "contract_corporation_type": "契約者法人種別（エコログガス用）",
        "saisan_gas_yoto": "サイサンガス専用業種",
        "ecolog_gas_yoto": "エコログガス用途分類",
    },
    "オプション": {"option_plans": "オプションサービス"},
    "管理": {"note": "メモ/備考"},
}
SITE_FIELDS = {field: label for group in SITE_GROUPS.values() for field, label in group.items()}

REQUEST_FIELDS = {"remarks": "備考", "site_count": "地点数"}
AGENCY_FIELDS = {
    "name": "代理店名",
    "code": "代理店コード",
    "referral_shop_code": "紹介店コード",
    "referral_shop_name": "紹介店名",
    "contact_name": "担当者名",
    "phone": "電話番号",
    "mail_address": "メールアドレス",
    "is_active": "有効",
}
USER_FIELDS = {
    "login_id": "ログインID",
    "name": "氏名",
    "email": "メールアドレス",
    "password": "パスワード",
    "role": "役割",
    "agency_id": "代理店",
    "sales_staff_code": "営業担当者コード",
    "l_code": "Lコード",
    "is_active": "有効",
}
# Every field name a CRM form or audit entry may carry, for messages and the change lists.
FIELD_LABELS = (
    labels.FIELD_LABELS
    | CORPORATION_FIELDS
    | SITE_FIELDS
    | REQUEST_FIELDS
    | AGENCY_FIELDS
    | USER_FIELDS
    | {
        "status": "ステータス",
        "site_id": "地点",
        "message": "内容",
        "images": "明細画像",
        "version": "版",
        "revealed": "表示した項目",
        "last4": "カード番号下4桁",
        "request_id": "依頼",
        "comment_id": "コメント",
        "changed": "変更内容",
        "corporation_id": "法人",
        "requested_by": "依頼者",
        "agency_id": "代理店",
    }
)

# §4.1's colours (赤/黄/緑/グレー) as real colours of a table cell beside the status name: no emoji, so every browser
# shows them. Keys are the API's status_colours.
CELL_STYLES = {
    "red": "background-color: #ffd6d6; color: #8a1c1c; font-weight: 700",
    "yellow": "background-color: #fff3bf; color: #6b5200; font-weight: 700",
    "green": "background-color: #d3f9d8; color: #1e5e2b; font-weight: 700",
    "grey": "background-color: #e9ecef; color: #495057; font-weight: 700",
}
STATUS_COLUMN = "ステータス"
UNREAD_COLUMNS = ("不備通知", "未読通知")
UNREAD_MARK = "未読あり"
NEWS_MARK = "未読"

ROLE_LABELS = {"sales": "営業担当者", "operator": "投入担当者", "admin": "管理者"}
ACTION_LABELS = labels.ACTION_LABELS | {
    "status_change": "ステータス変更",
    "cancel": "キャンセル",
    "deficiency": "不備登録",
    "resubmit": "修正再提出",
    "link": "画像の紐づけ",
    "reveal_card": "カード番号の全桁表示",
    "purge_security_code": "セキュリティコード削除",
    "demo_load": "デモデータ投入",
}
TARGET_TYPE_LABELS = {
    "request": "投入依頼",
    "corporation": "法人",
    "site": "地点",
    "image": "明細画像",
    "agency": "代理店",
    "profile": "ユーザー",
}

CONFLICT = (
    "他のユーザーが更新しました。現在の内容は次のとおりです。最新の内容を読み込んでから、もう一度入力してください。"
)
RELOAD = "最新の内容を読み込む"
NO_REQUEST = "依頼が見つかりません。一覧から選び直してください。"
