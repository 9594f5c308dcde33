"""代替機 › マスタ管理 (admin): 拠点, 機種 (add, edit, delete), データタイプ and the status forms' questions, with
the API's rules checked first."""

import json

import pandas as pd
import streamlit as st

from dashboards import auth, fields, forms, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import pickers, tables, timestamps, writes

PAGE = "loaners_masters"
LOCATION_PICKER = f"{PAGE}_location_chosen"
MODEL_PICKER = f"{PAGE}_model_chosen"
NEW_LOCATION, NEW_MODEL, NEW_QUESTION = (f"{PAGE}_{kind}_new" for kind in ("location", "model", "question"))
DATA_TYPE_SETTINGS = ("source_settings", "display_settings")  # edited as JSON
FILTER_HELP = "例: status=1.貸出中&kind=terminal（キーは kind・status・held_status・location_id・jurisdiction）"


def field(table: str, column: str) -> fields.Field:
    return fields.field("loaners", f"loaners_{table}", column)


def text(table: str, column: str) -> dict:
    """A text input's label and length for the column."""
    return field(table, column).text()


def location_statuses() -> dict[str, str]:
    return loaners_api.vocabulary()["location_statuses"]


def kinds() -> dict[str, str]:
    return loaners_api.vocabulary()["kinds"]


def question_types() -> dict[str, str]:
    return loaners_api.vocabulary()["question_types"]


def location_errors(values: dict) -> list[str]:
    """§3.1.2 checked before sending."""
    errors = field("location", "id").pattern_problems(values["id"]) if "id" in values else []
    errors += field("location", "code").pattern_problems(values["code"])
    errors += [field("location", name).required_message() for name in ("name", "jurisdiction") if not values[name]]
    return errors + field("location", "group_email").pattern_problems(values["group_email"])


def location_fields(prefix: str, current: dict | None = None) -> dict:
    """The location inputs (inside a form); the 拠点ID only when creating."""
    current = current or {}
    values = (
        {}
        if current
        else {"id": st.text_input(**text("location", "id"), key=f"{prefix}_id", placeholder="osaka").strip()}
    )
    statuses = list(location_statuses())
    return values | {
        "code": st.text_input(
            **text("location", "code"), value=current.get("code", ""), key=f"{prefix}_code", placeholder="OSAKA"
        ).strip(),
        "name": st.text_input(**text("location", "name"), value=current.get("name", ""), key=f"{prefix}_name").strip(),
        "jurisdiction": st.text_input(
            **text("location", "jurisdiction"),
            value=current.get("jurisdiction", ""),
            key=f"{prefix}_jurisdiction",
            placeholder="関西",
        ).strip(),
        "group_email": st.text_input(
            **text("location", "group_email"), value=current.get("group_email", ""), key=f"{prefix}_email"
        ).strip(),
        "notify_status_change": st.checkbox(
            field("location", "notify_status_change").label,
            value=current.get("notify_status_change", False),
            key=f"{prefix}_notify",
        ),
        "status": st.selectbox(
            field("location", "status").label,
            statuses,
            index=statuses.index(current.get("status", "active")),
            format_func=location_statuses().__getitem__,
            key=f"{prefix}_status",
        ),
    }


def location_row(location: dict) -> dict:
    head = loaners_common.headers("location")
    return {
        head["id"]: location["id"],
        head["code"]: location["code"],
        head["name"]: location["name"],
        head["jurisdiction"]: location["jurisdiction"],
        head["group_email"]: location["group_email"],
        head["notify_status_change"]: field("location", "notify_status_change").word(location["notify_status_change"]),
        head["status"]: labels.label(location_statuses(), location["status"]),
        "更新日": timestamps.local_time(location["updated_at"]),
    }


def locations_tab() -> None:
    places = loaners_api.locations()
    frame = pd.DataFrame([location_row(p) for p in places])
    tables.record_table(f"{PAGE}_locations", frame, places, picker=LOCATION_PICKER)
    with st.expander("拠点を追加", icon=":material/add_location_alt:"):
        with st.form(NEW_LOCATION):
            values = location_fields(forms.prefix(NEW_LOCATION))
            submitted = st.form_submit_button("拠点を追加", type="primary")
    if submitted and not writes.show_errors(location_errors(values)):
        writes.act(
            PAGE,
            lambda: loaners_api.create_location(values),
            f"拠点「{labels.plain(values['name'])}」を追加しました。",
            form=NEW_LOCATION,
        )
    by_id = {p["id"]: p for p in places}
    chosen = pickers.record_picker(
        "編集する拠点", {i: p["name"] for i, p in by_id.items()}, LOCATION_PICKER, placeholder="拠点を選択"
    )
    if chosen is None:
        return
    with st.form(f"{PAGE}_location_edit_{chosen}"):
        values = location_fields(f"{PAGE}_location_edit_{chosen}", by_id[chosen])
        submitted = st.form_submit_button("保存", type="primary")
    if submitted and not writes.show_errors(location_errors(values)):
        changes = {k: v for k, v in values.items() if v != by_id[chosen][k]}
        writes.act(
            PAGE,
            lambda: loaners_api.update_location(chosen, changes),
            f"拠点「{labels.plain(values['name'])}」を保存しました。",
            changed=bool(changes),
        )


def model_row(model: dict) -> dict:
    head = loaners_common.headers("model")
    return {
        head["id"]: model["id"],
        head["name"]: model["name"],
        head["maker"]: model["maker"],
        head["category"]: f"{model['category']}（{model['category_label']}）",
        loaners_common.headers("device")["kind"]: kinds().get(model["kind"], ""),
        head["number_section"]: model["number_section"],
        head["note"]: model["note"],
        "更新日": timestamps.local_time(model["updated_at"]),
    }


def model_fields(prefix: str, categories: dict[str, str], current: dict | None = None) -> dict:
    """The model inputs (inside a form), prefilled when editing."""
    current = current or {}
    options = list(categories)
    return {
        "name": st.text_input(
            **text("model", "name"),
            value=current.get("name", ""),
            key=f"{prefix}_name",
            placeholder="ThinkPad-X1-Carbon",
        ).strip(),
        "maker": st.text_input(**text("model", "maker"), value=current.get("maker", ""), key=f"{prefix}_maker").strip(),
        "category": st.selectbox(
            field("model", "category").label,
            options,
            index=options.index(current.get("category", options[0])),
            format_func=categories.__getitem__,
            key=f"{prefix}_category",
        ),
        "note": st.text_input(**text("model", "note"), value=current.get("note", ""), key=f"{prefix}_note").strip(),
    }


def model_errors(values: dict) -> list[str]:
    """§2.2.2 checked before sending."""
    errors = field("model", "name").pattern_problems(values["name"])
    return errors + ([] if values["maker"] else [field("model", "maker").required_message()])


def edit_model(model: dict, categories: dict[str, str]) -> None:
    """Edit a model (the API keeps 機種名 and カテゴリ of a model used in management numbers) or delete it."""
    prefix = f"{PAGE}_model_edit_{model['id']}"
    with st.form(prefix):
        values = model_fields(prefix, categories, model)
        submitted = st.form_submit_button("保存", type="primary")
    if submitted and not writes.show_errors(model_errors(values)):
        changes = {k: v for k, v in values.items() if v != model[k]}
        writes.act(
            PAGE,
            lambda: loaners_api.update_model(model["id"], changes),
            f"機種「{labels.plain(values['name'])}」を保存しました。",
            changed=bool(changes),
        )
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_model_delete_{model['id']}",
        confirm="この機種を削除する（元に戻せません）",
        label="機種を削除",
        call=lambda: loaners_api.delete_model(model["id"]),
        icon=":material/delete:",
        success=f"機種「{labels.plain(model['name'])}」を削除しました。",
        help="機器が登録されている機種は削除できません。",
    )


def models_tab() -> None:
    models = loaners_api.models()
    tables.record_table(f"{PAGE}_models", pd.DataFrame([model_row(m) for m in models]), models, picker=MODEL_PICKER)
    categories = {c["category"]: f"{c['category']}（{c['label']}）" for c in loaners_api.categories()}
    with st.expander("機種を追加", icon=":material/add:"):
        with st.form(NEW_MODEL):
            values = model_fields(forms.prefix(NEW_MODEL), categories)
            submitted = st.form_submit_button("機種を追加", type="primary")
    if submitted and not writes.show_errors(model_errors(values)):
        writes.act(
            PAGE,
            lambda: loaners_api.create_model(values),
            f"機種「{labels.plain(values['name'])}」を追加しました。",
            form=NEW_MODEL,
        )
    by_id = {m["id"]: m for m in models}
    chosen = pickers.record_picker(
        "編集・削除する機種",
        {i: f"{m['name']}（{i}）" for i, m in by_id.items()},
        MODEL_PICKER,
        placeholder="機種を選択",
    )
    if chosen is not None:
        edit_model(by_id[chosen], categories)


def question_errors(values: dict) -> list[str]:
    """What the API would refuse first: a key, and choices for a choice question."""
    errors = [] if values["key"] else ["質問のキーを入力してください（例: 1-6.返却予定日）。"]
    if values["type"] == "choice" and not values["choices"]:
        errors.append("選択式の質問には選択肢を1つ以上入力してください。")
    prefix = values["status_prefix"]
    return errors + (field("question", "status_prefix").pattern_problems(prefix) if prefix else [])


def questions_tab() -> None:
    """Add a question to a status form (shown, checked and listed as a column from the next request on)."""
    kind = st.selectbox(
        field("question", "form_id").label, list(kinds()), format_func=kinds().__getitem__, key=f"{PAGE}_question_kind"
    )
    form, head = loaners_api.form(kind), loaners_common.headers("question")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    head["key"]: q["key"],
                    head["type"]: question_types().get(q["type"], q["type"]),
                    head["choices"]: "、".join(q["choices"]),
                    head["required"]: field("question", "required").word(q["required"]),
                }
                for q in form["questions"]
            ]
        ),
        hide_index=True,
    )
    with st.form(NEW_QUESTION):
        key = st.text_input(
            **text("question", "key"),
            key=forms.key(NEW_QUESTION, "key"),
            placeholder="1-6.返却予定日",
            help="番号付きのキーは、その番号のステータスのときに表示されます。",
        ).strip()
        kind_of = st.selectbox(
            field("question", "type").label,
            list(question_types()),
            format_func=question_types().__getitem__,
            key=forms.key(NEW_QUESTION, "type"),
        )
        choices = st.text_area(
            f"{field('question', 'choices').label}（1行に1つ）", key=forms.key(NEW_QUESTION, "choices")
        )
        prefix = st.text_input(
            f"{field('question', 'status_prefix').label}（番号のないキーのみ）",
            max_chars=field("question", "status_prefix").max_chars,
            key=forms.key(NEW_QUESTION, "prefix"),
            placeholder="1",
        ).strip()
        required = st.checkbox(field("question", "required").label, key=forms.key(NEW_QUESTION, "required"))
        submitted = st.form_submit_button("質問を追加", type="primary")
    values = {
        "key": key,
        "type": kind_of,
        "choices": [c.strip() for c in choices.splitlines() if c.strip()],
        "status_prefix": prefix or None,
        "required": required,
    }
    if submitted and not writes.show_errors(question_errors(values)):
        writes.act(
            PAGE,
            lambda: loaners_api.add_question(kind, values),
            f"「{form['title']}」に質問「{labels.plain(key)}」を追加しました。",
            form=NEW_QUESTION,
        )


def data_type_line(data_type: dict) -> None:
    """One data type with a button turning it on or off (NORMAL / AUDIT / SUMMARY can be switched off, not deleted)."""
    active = data_type["status"] == "active"
    status = "inactive" if active else "active"
    columns = st.columns([3, 1], vertical_alignment="center")
    with columns[0]:
        state = location_statuses()[data_type["status"]]
        st.markdown(
            f"**{data_type['id']}** {labels.plain(data_type['name'])}（表示順序 {data_type['display_order']}・"
            f"{state}）  \n{labels.plain(data_type['description'])}"
        )
    with columns[1]:
        if st.button("無効にする" if active else "有効にする", key=f"{PAGE}_dt_{data_type['id']}"):
            success = f"データタイプ「{data_type['name']}」を{location_statuses()[status]}にしました。"
            writes.act(PAGE, lambda: loaners_api.update_data_type(data_type["id"], {"status": status}), success)


def json_errors(texts: dict[str, str]) -> tuple[dict[str, dict], list[str]]:
    """The settings' JSON texts parsed into objects, and an error for each that is not a JSON object."""
    parsed, errors = {}, []
    for name, text in texts.items():
        try:
            value = json.loads(text or "{}")
        except ValueError:
            value = None
        if isinstance(value, dict):
            parsed[name] = value
        else:
            errors.append(f"{field('data_type', name).label}はJSONのオブジェクト（{{…}}）で入力してください。")
    return parsed, errors


def data_type_form(data_type: dict) -> None:
    """表示順序, フィルタ条件, データソース設定 and 表示列設定: the views follow them from the next read on."""
    key = f"{PAGE}_dtf_{data_type['id']}"
    with st.expander(f"{data_type['id']} の表示設定を編集"), st.form(key):
        order = st.number_input(
            **field("data_type", "display_order").number(),
            value=data_type["display_order"],
            key=f"{key}_order",
        )
        condition = st.text_input(
            **text("data_type", "filter_condition"),
            value=data_type["filter_condition"],
            help=FILTER_HELP,
            key=f"{key}_filter",
        )
        texts = {
            name: st.text_area(
                field("data_type", name).label,
                value=json.dumps(data_type[name], ensure_ascii=False, indent=2),
                height=200,
                key=f"{key}_{name}",
            )
            for name in DATA_TYPE_SETTINGS
        }
        if not st.form_submit_button("表示設定を保存"):
            return
    parsed, errors = json_errors(texts)
    if writes.show_errors(errors):
        return
    values = {"display_order": int(order), "filter_condition": condition.strip(), **parsed}
    changes = {name: value for name, value in values.items() if value != data_type[name]}
    success = f"データタイプ「{data_type['name']}」の表示設定を保存しました。"
    writes.act(PAGE, lambda: loaners_api.update_data_type(data_type["id"], changes), success, changed=bool(changes))


def data_types_tab() -> None:
    for data_type in loaners_api.data_types():
        data_type_line(data_type)
        data_type_form(data_type)


auth.require_page(__file__)
st.title("マスタ管理")
writes.show_flash(PAGE)
locations, models, data_types, questions = st.tabs(["拠点マスタ", "機種マスタ", "データタイプマスタ", "フォームの質問"])
with locations:
    locations_tab()
with models:
    models_tab()
with data_types:
    data_types_tab()
with questions:
    questions_tab()
