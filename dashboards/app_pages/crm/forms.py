"""代理店CRM forms: the corporation (1page・2page, §3.1), a site's every field (5page, §3.2), statement image uploads,
and the corporation shown read-only. Each form returns the values as the API takes them; checks are in
corporation_errors / site_errors (the API's dry runs of its schemas, plus its rules across fields).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import clock, crm_api, formats, forms
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm.labels import SITE_GROUPS, field_names, site_fields
from dashboards.components import uploaders, writes
from dashboards.fields import Field

CREDIT_CARD = "1"
CARD_REQUIRED = ("credit_card_expire_month", "credit_card_expire_year", "credit_card_name")
BILLING_REQUIRED = ("billing_zip_code", "billing_prefecture", "billing_city")
OPTIONAL_CHOICES = ("job_type", "sales_channel_id")
CHOICE_KINDS = {
    "customer_type": "customer_type",
    "job_type": "job_type",
    "sales_channel_id": "sales_channel",
    "payment_type": "payment_type",
    "invoice": "invoice",
    "payment_certificate": "payment_certificate",
    "service_type": "service_type",
    "pps_business_number": "service_type",  # §3.2: PPS番号 is the 電気/ガス choice
    "application_type": "application_type",
    "power_area": "power_area",
    "power_supplier_type": "power_company",
    "power_building_type": "building_type",
}
NUMBER_FIELDS = ("latest_charges", "latest_power_usage")
PHONE_FIELDS = ("phone1", "phone2")
DATE_FIELDS = ("birthday", "representative_birthday", "moving_in_date")
LONG_TEXT = ("note",)
MONTHS_OFFERED = 36
OLDEST_BIRTHDAY = date(1900, 1, 1)
NO_IMAGE = "明細画像をアップロードするか、画像がない場合は備考に明細情報を記載してください。"


def _value(base: dict | None, field: str, default: Any = "") -> Any:
    return base.get(field, default) if base else default


def _served(field: str) -> Field:
    return common.declared("site" if field in field_names("site") else "corporation", field)


def _choice(key: str, field: str, base: dict | None, *, blank: bool, note: str = "") -> str:
    mapping = common.offered_choices(CHOICE_KINDS[field], _value(base, field))
    options = ["", *mapping] if blank else list(mapping)
    current = _value(base, field, next(iter(options), ""))
    return st.selectbox(
        f"{_served(field).label}{note}",
        options,
        index=options.index(current) if current in options else 0,
        key=common.widget_key(key, field),
        format_func=lambda code: mapping.get(code, "（未選択）"),
    )


def _prefecture(key: str, field: str, base: dict | None, note: str = "") -> str:
    options = ["", *crm_api.masters()["prefectures"]]
    current = _value(base, field)
    return st.selectbox(
        f"{_served(field).label}{note}",
        options,
        index=options.index(current) if current in options else 0,
        key=common.widget_key(key, field),
        format_func=lambda name: name or "（未選択）",
    )


def _date(key: str, field: str, base: dict | None, *, past: bool) -> str | None:
    current = _value(base, field, None)
    earliest, latest = (OLDEST_BIRTHDAY, clock.today()) if past else (None, None)
    chosen = st.date_input(
        _served(field).label,
        value=date.fromisoformat(current) if current else None,
        min_value=earliest,
        max_value=latest,
        key=common.widget_key(key, field),
    )
    return chosen.isoformat() if chosen else None


def _text(key: str, field: str, base: dict | None, note: str = "", **options: Any) -> str:
    """A text field with its column's label (and the form's note on it) and length."""
    served = _served(field)
    widget = st.text_area if field in LONG_TEXT else st.text_input
    return widget(
        f"{served.label}{note}",
        value=_value(base, field) or "",
        max_chars=served.max_chars,
        key=common.widget_key(key, field),
        **options,
    ).strip()


def _fields(key: str, base: dict | None, names: str, **options: Any) -> dict[str, Any]:
    """Text inputs for these fields (their names, space-separated), two to a row."""
    values = {}
    columns = st.columns(2)
    for i, field in enumerate(names.split()):
        with columns[i % 2]:
            values[field] = _text(key, field, base, **options)
    return values


# --- the corporation (§2.4, §3.1)


def corporation_form(key: str, base: dict | None) -> dict[str, Any]:
    """Every 1page/2page field; base is the corporation being edited (None for a new one)."""
    values: dict[str, Any] = {}
    st.markdown("**契約者区分・契約者名**")
    left, right = st.columns(2)
    with left:
        values["customer_type"] = _choice(key, "customer_type", base, blank=False)
    with right:
        values["corporation_number"] = _text(
            key, "corporation_number", base, "（法人の場合）", placeholder="例: 7000012050002"
        )
    values |= _fields(key, base, "last_name first_name last_name_kana first_name_kana")
    st.markdown("**代表者名（法人・屋号の場合）**")
    values |= _fields(
        key,
        base,
        "representative_last_name representative_first_name representative_last_name_kana "
        "representative_first_name_kana",
    )
    st.markdown("**住所**")
    left, right = st.columns(2)
    with left:
        values["zip_code"] = _text(key, "zip_code", base, placeholder="例: 150-0001")
    with right:
        values["prefecture"] = _prefecture(key, "prefecture", base)
    values |= _fields(key, base, "city town street building_name")
    st.markdown("**連絡先**")
    values |= _fields(key, base, "phone1 phone2", placeholder="例: 03-1234-5678")
    values["mail_address"] = _text(key, "mail_address", base)
    st.markdown("**生年月日・業種・営業チャネル**")
    columns = st.columns(4)
    with columns[0]:
        values["birthday"] = _date(key, "birthday", base, past=True)
    with columns[1]:
        values["representative_birthday"] = _date(key, "representative_birthday", base, past=True)
    with columns[2]:
        values["job_type"] = _choice(key, "job_type", base, blank=True)
    with columns[3]:
        values["sales_channel_id"] = _choice(key, "sales_channel_id", base, blank=True)
    values |= payment_form(key, base)
    return values


def payment_form(key: str, base: dict | None) -> dict[str, Any]:
    """2page: 支払方法, the card (number and code write-only: empty keeps what is stored), 請求書送付先."""
    values: dict[str, Any] = {}
    st.markdown("**支払方法（2page）**")
    columns = st.columns(3)
    for column, field in zip(columns, ("payment_type", "invoice", "payment_certificate"), strict=True):
        with column:  # 支払方法 starts unchosen: クレジットカード opens the card's required fields
            values[field] = _choice(key, field, base, blank=field == "payment_type")
    masked = _value(base, "credit_card_number_masked")
    st.caption("クレジットカード（支払方法がクレジットカードの場合）" + (f" 登録済み: {masked}" if masked else ""))
    keep = "（変更する場合のみ入力）" if masked else ""
    secret = field_names("corporation")  # the write-only card fields' names (no column states them)
    left, right = st.columns(2)
    with left:
        values["credit_card_number"] = st.text_input(
            f"{secret['credit_card_number']}{keep}",
            key=common.widget_key(key, "credit_card_number"),
            type="password",
            max_chars=common.card_number_max(),
        ).strip()
    with right:
        values["credit_card_security_code"] = st.text_input(
            f"{secret['credit_card_security_code']}{keep}",
            key=common.widget_key(key, "credit_card_security_code"),
            type="password",
            max_chars=common.security_code_max(),
        ).strip()
    values |= _fields(key, base, "credit_card_expire_month credit_card_expire_year credit_card_name")
    values["billing_address_same"] = st.checkbox(
        "請求書送付先は契約者住所と同じ",
        value=_value(base, "billing_address_same", True),
        key=common.widget_key(key, "billing_address_same"),
    )
    st.caption("請求書送付先（契約者住所と異なる場合のみ入力）")
    left, right = st.columns(2)
    with left:
        values["billing_zip_code"] = _text(key, "billing_zip_code", base)
    with right:
        values["billing_prefecture"] = _prefecture(key, "billing_prefecture", base)
    values |= _fields(key, base, "billing_city billing_town billing_street billing_building billing_customer_name")
    return values


def _missing(values: dict[str, Any], names: tuple[str, ...], message: str) -> list[str]:
    missing = [field_names("corporation")[name] for name in names if not values.get(name)]
    return [f"{message}（{'、'.join(missing)}）"] if missing else []


def corporation_errors(values: dict[str, Any], base: dict | None) -> list[str]:
    """The API's rules for a corporation (new or edited, all its values): each field's by the API's schema, then the
    card and billing address rules across fields."""
    errors = common.schema_errors("corporation", values)
    if values["payment_type"] == CREDIT_CARD:
        has_card = values["credit_card_number"] or _value(base, "credit_card_number_masked")
        card = values | {"credit_card_number": has_card}
        errors += _missing(
            card, ("credit_card_number", *CARD_REQUIRED), "クレジットカード払いではカード番号・有効期限・名義が必要です"
        )
    if not values["billing_address_same"]:
        errors += _missing(values, BILLING_REQUIRED, "請求書送付先が契約者住所と異なる場合は送付先の入力が必要です")
    return errors


def corporation_editor(page: str, key: str, corporation: dict) -> None:
    """法人情報編集 under the version first read; a change by someone else meanwhile shows the conflict."""
    base = common.editing_base(key, corporation)
    with st.form(f"{key}_form"):
        values = corporation_form(key, base)
        submitted = st.form_submit_button("法人情報を保存", type="primary", icon=":material/save:")
    if not submitted or writes.show_errors(corporation_errors(values, base)):
        return
    changes = common.changes_from(base, values)
    common.save(
        page,
        key,
        base,
        changes,
        lambda body: crm_api.update_corporation(base["id"], body),
        "法人情報を保存しました。",
        current=lambda: crm_api.get_corporation(base["id"]),
        merge=True,
    )


def corporation_view(corporation: dict) -> None:
    """The corporation read-only (表示のみ): every filled field with the masters' labels; the card masked."""
    rows = []
    for field, label in field_names("corporation").items():
        value = corporation.get(field)
        if field == "credit_card_number":
            value = corporation.get("credit_card_number_masked")
        elif field == "credit_card_security_code":
            value = "登録あり" if corporation.get("has_security_code") else ""
        elif field in CHOICE_KINDS:
            value = common.choice_label(CHOICE_KINDS[field], value)
        elif field in PHONE_FIELDS:
            value = formats.phone(value)
        elif field in DATE_FIELDS:
            value = formats.day(value)
        elif isinstance(value, bool):
            value = common.declared("corporation", field).word(value)
        if value not in (None, ""):
            rows.append({"項目": label, "内容": str(value)})
    st.dataframe(pd.DataFrame(rows), hide_index=True)


# --- a site (§2.5, §3.2)


def _months(current: str) -> list[str]:
    first = clock.today().replace(day=1)
    months = []
    for _ in range(MONTHS_OFFERED):
        months.append(f"{first:%Y-%m}")
        first = (first - timedelta(days=1)).replace(day=1)
    return ["", *([current] if current and current not in months else []), *months]


def _service_type(base: dict) -> None:
    """サービス種別, shown: the PPS番号 chosen decides it (§2.5 「PPS選択から判定」)."""
    st.text_input(
        _served("service_type").label,
        value=common.choice_label("service_type", base.get("service_type")),
        disabled=True,
        help="PPS番号（電気/ガス）の選択で決まります。",
    )


def _site_field(key: str, field: str, base: dict, note: str = "") -> Any:
    """One field's widget; `note` follows its label (「（OCR 93%）」 on a value OCR proposed)."""
    if field == "service_type":
        return _service_type(base)
    if field in CHOICE_KINDS:
        return _choice(key, field, base, blank=True, note=note)
    if field == "power_prefecture":
        return _prefecture(key, field, base, note)
    if field in NUMBER_FIELDS:
        value = st.number_input(
            f"{_served(field).label}{note}",
            min_value=0,
            value=base.get(field),
            step=1,
            key=common.widget_key(key, field),
        )
        return None if value is None else int(value)
    if field in DATE_FIELDS:
        return _date(key, field, base, past=False)
    if field == "latest_date":
        options = _months(base.get(field) or "")
        return st.selectbox(
            f"{_served(field).label}{note}",
            options,
            index=options.index(base.get(field) or ""),
            key=common.widget_key(key, field),
            format_func=lambda m: m or "（未選択）",
        )
    return _text(key, field, base, note)


def options_form(key: str, base: dict) -> list[str]:
    """オプションサービス: the active options of §8 as check boxes, and those the site has even when deactivated."""
    chosen = set(base.get("option_plans") or [])
    offered = [o for o in crm_api.masters()["options"] if o["is_active"] or o["code"] in chosen]
    picked = []
    columns = st.columns(2)
    for i, option in enumerate(offered):
        with columns[i % 2]:
            pack = "・サポートパック" if option["is_support_pack"] else ""
            if st.checkbox(
                option["name"],
                value=option["code"] in chosen,
                help=f"{option['price_label']}{pack}",
                key=common.widget_key(key, f"option_{option['code']}"),
            ):
                picked.append(option["code"])
    return picked


def site_form(key: str, base: dict, notes: dict[str, str] | None = None) -> dict[str, Any]:
    """Every field of the site, grouped as §3.2's input area, with the masters' choices; `notes` follow the labels
    of some fields (「（OCR 93%）」)."""
    values: dict[str, Any] = {}
    for group, fields in SITE_GROUPS.items():
        st.markdown(f"**{group}**")
        if group == "オプション":
            values["option_plans"] = options_form(key, base)
            continue
        columns = st.columns(min(2, len(fields)))
        for i, field in enumerate(fields):
            with columns[i % len(columns)]:
                values[field] = _site_field(key, field, base, (notes or {}).get(field, ""))
    values.pop("service_type")  # not an input: the PPS番号 chosen decides it
    return values


def site_errors(changes: dict[str, Any], version: int) -> list[str]:
    return common.schema_errors("site", changes | {"version": version})


def site_view(site: dict) -> dict[str, str]:
    """項目 -> 内容 for a site's filled fields (the option codes by name)."""
    options = {o["code"]: o["name"] for o in crm_api.masters()["options"]}
    shown = {}
    for field, label in site_fields().items():
        value = site.get(field)
        if field in CHOICE_KINDS:
            value = common.choice_label(CHOICE_KINDS[field], value)
        elif field == "option_plans":
            value = "、".join(options.get(code, code) for code in value or [])
        elif field in DATE_FIELDS:
            value = formats.day(value)
        if value not in (None, "", []):
            shown[label] = str(value)
    return shown


# --- statement images


def uploads(key: str, label: str = "明細画像（JPEG・PNG・HEIC・PDF、地点数分・複数可）") -> list[crm_api.Upload]:
    """The statement images chosen. No `type=` list: Streamlit would drop a file of another kind with only an English
    tooltip; every chosen file is sent, and the API refuses the whole upload naming a file of another kind."""
    files = uploaders.file_uploader(label, key=key, limit_mb=uploaders.CRM_IMAGE_MB, files=uploaders.CRM_IMAGES)
    return [(f.name, f.getvalue(), f.type or "application/octet-stream") for f in files or []]


@dataclass(frozen=True)
class RequestInput:
    """What 新規投入依頼 and 既存法人に地点追加 both send beside the corporation: images, 備考, 地点数."""

    files: list[tuple[str, bytes, str]]
    remarks: str
    site_count: int

    def payload(self) -> dict[str, Any]:
        return {"remarks": self.remarks, "site_count": self.site_count}

    def errors(self) -> list[str]:
        """The API's rules for 備考 and 地点数, and §3.1's: no image means the statement goes in 備考."""
        errors = common.schema_errors("request", self.payload() | {"version": 1})
        return errors + ([] if self.files or self.remarks else [NO_IMAGE])


def request_input(key: str) -> RequestInput:
    st.markdown("**明細画像・備考**")
    files = uploads(forms.key(key, "images"))
    remarks = remarks_input("", forms.key(key, "remarks"), "（明細画像がない場合の明細情報、支払方法の分割指示など）")
    return RequestInput(files, remarks, site_count_input(1, forms.key(key, "sites")))


def remarks_input(value: str, key: str, note: str = "") -> str:
    """A request's 備考, with its label (and the form's note on it) and length from the vocabulary."""
    served = common.declared("request", "remarks")
    return st.text_area(f"{served.label}{note}", value=value, max_chars=served.max_chars, key=key).strip()


def site_count_input(value: int, key: str) -> int:
    """A request's 申告地点数, within the API's limits."""
    label, most = common.declared("request", "site_count").label, crm_api.vocabulary()["limits"]["site_count"]
    return int(st.number_input(label, min_value=1, max_value=most, value=value, step=1, key=key))


def after_sending(created: dict, form: str) -> None:
    """Back to マイ依頼一覧, where the new request is listed, with a message; the form sent starts empty next time."""
    request, images = created["request"], len(created["images"])
    message = f"投入依頼 #{request['id']}（{request['corporation_name']}）を送信しました（明細画像 {images}枚）。"
    writes.flash(common.MY_PAGE_KEY, message)
    forms.clear(form)
    st.switch_page(common.MY_PAGE)
