"""代理店CRM › マスタ管理 (§8-9, admins): the option services and the choices of each kind, added, edited and
deactivated (無効化) under optimistic locking; a code in use is never deleted, only deactivated."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import crm_api, forms
from dashboards.app_pages.crm import common
from dashboards.components import pickers, tables, writes

PAGE = "crm_masters"
IN_USE_HELP = "使用中のため削除できません。新しい入力で選べないようにするには「有効」を外してください。"


@dataclass(frozen=True)
class Master:
    """One master as the page edits it: its table (crm_<table>: its fields' labels and lengths from the vocabulary), its
    rows, the text fields, and the API calls for a row's code."""

    table: str
    key: str
    noun: str
    rows: list[dict]
    text_fields: tuple[str, ...]
    create: Callable[[dict], Any]
    update: Callable[[str, dict], Any]
    delete: Callable[[str, int], Any]
    pack: bool = False


def label(master: Master, field: str) -> str:
    return common.declared(master.table, field).label


def said(master: Master, field: str, row: dict) -> str:
    """A yes-or-no field of the row in its words (有効 / 無効)."""
    return common.declared(master.table, field).word(row[field])


def picker(master: Master) -> str:
    """The key of the picker of the code to edit, which a click on a row of the master's table chooses in too."""
    return f"{PAGE}_{master.key}_edit_chosen"


def table(master: Master) -> None:
    shown = [
        {
            label(master, "code"): row["code"],
            **{label(master, field): row[field] for field in master.text_fields},
            **({label(master, "is_support_pack"): said(master, "is_support_pack", row)} if master.pack else {}),
            label(master, "sort_order"): row["sort_order"],
            "状態": said(master, "is_active", row),
            "使用件数": row["in_use"],
        }
        for row in master.rows
    ]
    tables.record_table(
        f"{PAGE}_{master.key}", pd.DataFrame(shown), master.rows, picker=picker(master), id_field="code"
    )


def fields(master: Master, key: str, base: dict | None) -> dict[str, Any]:
    base = base or {}
    values = {
        field: st.text_input(
            **common.declared(master.table, field).text(), value=base.get(field, ""), key=f"{key}_{field}"
        ).strip()
        for field in master.text_fields
    }
    if master.pack:
        values["is_support_pack"] = st.checkbox(
            label(master, "is_support_pack"), value=base.get("is_support_pack", False), key=f"{key}_pack"
        )
    order = label(master, "sort_order")
    values["sort_order"] = int(
        st.number_input(
            order,
            min_value=0,
            max_value=crm_api.vocabulary()["limits"]["sort_order"],
            value=base.get("sort_order", 0),
            key=f"{key}_order",
        )
    )
    return values


def create_form(master: Master) -> None:
    key = f"{PAGE}_{master.key}_new"
    with st.expander(f"{master.noun}を追加", icon=":material/add:"):
        with st.form(key):
            served = common.declared(master.table, "code")
            code = st.text_input(
                f"{served.label}（必須・半角英数）", max_chars=served.max_chars, key=forms.key(key, "code")
            ).strip()
            values = fields(master, forms.prefix(key), None)
            submitted = st.form_submit_button(f"{master.noun}を追加", type="primary")
    if submitted:
        writes.act(PAGE, lambda: master.create({"code": code, **values}), f"コード {code} を追加しました。", form=key)


def edit_form(master: Master) -> None:
    """編集 / 無効化 of one row from the version listed; 削除 only while nothing uses it."""
    by_code = {row["code"]: row for row in master.rows}
    key = f"{PAGE}_{master.key}_edit"
    chosen = pickers.record_picker(
        "編集するコード",
        {code: f"{code}：{row[master.text_fields[0]]}" for code, row in by_code.items()},
        picker(master),
        placeholder="コードを選択",
    )
    if chosen is None:
        return
    row = by_code[chosen]
    form_key = f"{key}_{chosen}_{row['version']}"
    with st.form(form_key):
        values = fields(master, form_key, row)
        values["is_active"] = st.checkbox(label(master, "is_active"), value=row["is_active"], key=f"{form_key}_active")
        submitted = st.form_submit_button(f"{master.noun}を保存", type="primary", icon=":material/save:")
    if submitted:
        changes = {field: value for field, value in values.items() if value != row[field]}
        writes.act(
            PAGE,
            lambda: master.update(chosen, changes | {"version": row["version"]}),
            f"コード {chosen} を保存しました。",
            changed=bool(changes),
        )
    if row["in_use"]:
        st.caption(f"使用件数 {row['in_use']} 件。{IN_USE_HELP}")
        return
    writes.confirm_then_act(
        PAGE,
        f"{form_key}_delete",
        confirm="このコードを削除する",
        label=f"{master.noun}を削除",
        call=lambda: master.delete(chosen, row["version"]),
        success=f"コード {chosen} を削除しました。",
        icon=":material/delete:",
    )


def section(master: Master) -> None:
    table(master)
    edit_form(master)
    create_form(master)


common.start(__file__)
writes.show_flash(PAGE)
data = crm_api.manage_masters()
options_tab, choices_tab = st.tabs(["オプションサービスマスタ", "選択肢マスタ"])
with options_tab:
    section(
        Master(
            "option_service",
            "options",
            "オプション",
            data["options"],
            ("name", "price_label"),
            crm_api.create_option,
            crm_api.update_option,
            crm_api.delete_option,
            pack=True,
        )
    )
with choices_tab:
    kinds = data["kind_labels"]
    kind = st.selectbox("項目", list(kinds), format_func=kinds.__getitem__, key=f"{PAGE}_kind")
    section(
        Master(
            "choice",
            kind,
            "選択肢",
            data["choices"][kind],
            ("label",),
            lambda body: crm_api.create_choice(kind, body),
            lambda code, changes: crm_api.update_choice(kind, code, changes),
            lambda code, version: crm_api.delete_choice(kind, code, version),
        )
    )
