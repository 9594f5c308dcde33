"""代替機 › マスタ管理: 拠点マスタ, 機種マスタ and データタイプマスタ (admin), with the API's rules checked first."""

import re

import pandas as pd
import streamlit as st

from dashboards import auth, components, labels, loaners_api
from service.loaners import labels as loaner_labels

PAGE = "loaners_masters"
LOCATION_ID = re.compile(r"^[a-z0-9]{1,20}$")
LOCATION_CODE = re.compile(r"^[A-Z]{1,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MODEL_NAME = re.compile(r"^[^\s_\u3000]{1,100}$")
MODEL_NAME_RULE = "機種名はスペース・アンダースコア（_）を使わず、ハイフン（-）でつないでください。"


def location_errors(values: dict) -> list[str]:
    """§3.1.2 checked before sending."""
    errors = []
    if "id" in values and not LOCATION_ID.match(values["id"]):
        errors.append("拠点IDは小文字英数字のみ・20文字以内で入力してください。")
    if not LOCATION_CODE.match(values["code"]):
        errors.append("拠点コードは大文字英語のみ・20文字以内で入力してください。")
    if not values["name"]:
        errors.append("拠点名を入力してください。")
    if not values["jurisdiction"]:
        errors.append("管轄を入力してください。")
    if not EMAIL.match(values["group_email"]):
        errors.append("グループメールアドレスの形式が正しくありません。")
    return errors


def location_fields(prefix: str, current: dict | None = None) -> dict:
    """The location inputs (inside a form); the 拠点ID only when creating."""
    current = current or {}
    values = {} if current else {"id": st.text_input("拠点ID", key=f"{prefix}_id", placeholder="osaka").strip()}
    statuses = list(loaner_labels.LOCATION_STATUSES)
    return values | {
        "code": st.text_input("拠点コード", value=current.get("code", ""), key=f"{prefix}_code",
                              placeholder="OSAKA").strip(),
        "name": st.text_input("拠点名", value=current.get("name", ""), key=f"{prefix}_name").strip(),
        "jurisdiction": st.text_input("管轄", value=current.get("jurisdiction", ""), key=f"{prefix}_jurisdiction",
                                      placeholder="関西").strip(),
        "group_email": st.text_input("グループメールアドレス", value=current.get("group_email", ""),
                                     key=f"{prefix}_email").strip(),
        "notify_status_change": st.checkbox("ステータス変更通知", value=current.get("notify_status_change", False),
                                            key=f"{prefix}_notify"),
        "status": st.selectbox("ステータス", statuses, index=statuses.index(current.get("status", "active")),
                               format_func=loaner_labels.LOCATION_STATUSES.get, key=f"{prefix}_status"),
    }


def location_row(location: dict) -> dict:
    return {
        "拠点ID": location["id"], "拠点コード": location["code"], "拠点名": location["name"],
        "管轄": location["jurisdiction"], "グループメールアドレス": location["group_email"],
        "ステータス変更通知": "ON" if location["notify_status_change"] else "OFF",
        "ステータス": labels.label(loaner_labels.LOCATION_STATUSES, location["status"]),
        "更新日": components.local_time(location["updated_at"]),
    }


def locations_tab() -> None:
    places = loaners_api.locations()
    st.dataframe(pd.DataFrame([location_row(p) for p in places]), hide_index=True)
    with st.expander("拠点を追加", icon=":material/add_location_alt:"):
        with st.form(f"{PAGE}_location_new"):
            values = location_fields(f"{PAGE}_location_new")
            submitted = st.form_submit_button("拠点を追加", type="primary")
    if submitted and not components.show_errors(location_errors(values)):
        components.act(PAGE, lambda: loaners_api.create_location(values),
                       f"拠点「{labels.plain(values['name'])}」を追加しました。")
    by_id = {p["id"]: p for p in places}
    chosen = st.selectbox("編集する拠点", list(by_id), index=None, key=f"{PAGE}_location_chosen",
                          format_func=lambda i: by_id[i]["name"], placeholder="拠点を選択")
    if chosen is None:
        return
    with st.form(f"{PAGE}_location_edit_{chosen}"):
        values = location_fields(f"{PAGE}_location_edit_{chosen}", by_id[chosen])
        submitted = st.form_submit_button("保存", type="primary")
    if submitted and not components.show_errors(location_errors(values)):
        changes = {k: v for k, v in values.items() if v != by_id[chosen][k]}
        components.act(PAGE, lambda: loaners_api.update_location(chosen, changes),
                       f"拠点「{labels.plain(values['name'])}」を保存しました。", changed=bool(changes))


def model_row(model: dict) -> dict:
    return {
        "機種ID": model["id"], "機種名": model["name"], "メーカー": model["maker"],
        "カテゴリ": f"{model['category']}（{model['category_label']}）",
        "機器種別": loaner_labels.KINDS.get(model["kind"], ""),
        "管理番号のモデル部分": model["number_section"], "備考": model["note"],
        "更新日": components.local_time(model["updated_at"]),
    }


def models_tab() -> None:
    st.dataframe(pd.DataFrame([model_row(m) for m in loaners_api.models()]), hide_index=True)
    categories = {c["category"]: f"{c['category']}（{c['label']}）" for c in loaners_api.categories()}
    with st.expander("機種を追加", icon=":material/add:"):
        with st.form(f"{PAGE}_model_new"):
            values = {
                "name": st.text_input("機種名", key=f"{PAGE}_model_name", placeholder="ThinkPad-X1-Carbon").strip(),
                "maker": st.text_input("メーカー", key=f"{PAGE}_model_maker").strip(),
                "category": st.selectbox("カテゴリ", list(categories), format_func=categories.get,
                                         key=f"{PAGE}_model_category"),
                "note": st.text_input("備考", key=f"{PAGE}_model_note").strip(),
            }
            submitted = st.form_submit_button("機種を追加", type="primary")
    errors = [] if MODEL_NAME.match(values["name"]) else [MODEL_NAME_RULE]
    errors += [] if values["maker"] else ["メーカーを入力してください。"]
    if submitted and not components.show_errors(errors):
        components.act(PAGE, lambda: loaners_api.create_model(values),
                       f"機種「{labels.plain(values['name'])}」を追加しました。")


def data_type_line(data_type: dict) -> None:
    """One data type with a button turning it on or off (NORMAL / AUDIT / SUMMARY can be switched off, not deleted)."""
    active = data_type["status"] == "active"
    status = "inactive" if active else "active"
    columns = st.columns([3, 1], vertical_alignment="center")
    with columns[0]:
        state = loaner_labels.LOCATION_STATUSES[data_type["status"]]
        st.markdown(f"**{data_type['id']}** {labels.plain(data_type['name'])}（表示順序 {data_type['display_order']}・"
                    f"{state}）  \n{labels.plain(data_type['description'])}")
    with columns[1]:
        if st.button("無効にする" if active else "有効にする", key=f"{PAGE}_dt_{data_type['id']}"):
            success = f"データタイプ「{data_type['name']}」を{loaner_labels.LOCATION_STATUSES[status]}にしました。"
            components.act(PAGE, lambda: loaners_api.update_data_type(data_type["id"], {"status": status}), success)


def data_types_tab() -> None:
    for data_type in loaners_api.data_types():
        data_type_line(data_type)


auth.require_page(__file__)
st.title("マスタ管理")
components.show_flash(PAGE)
locations, models, data_types = st.tabs(["拠点マスタ", "機種マスタ", "データタイプマスタ"])
with locations:
    locations_tab()
with models:
    models_tab()
with data_types:
    data_types_tab()
