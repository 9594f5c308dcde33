"""代理店CRM › 案件詳細 (§3.2 案件詳細・地点作成・明細入力): the corporation (card masked, 「全桁を表示」 audited), the
sales person's remarks, the statement images (zoomable, linked to sites), ＋地点を追加, every site field with the
masters' choices and the 11 options, status changes, 不備あり, the carrier CSV, and the comment timeline."""

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboards import api, crm_api, forms, labels
from dashboards.app_pages.crm import common, ocr
from dashboards.app_pages.crm import detail as crm_detail
from dashboards.app_pages.crm import forms as crm_forms
from dashboards.app_pages.crm.labels import SECURITY_CODE_NEEDED
from dashboards.components import layout, pickers, tables, timestamps, writes

PAGE = common.CASE_PAGE_KEY
SITE_PICKER = f"{PAGE}_site"
CORPORATION = f"{PAGE}_corporation"
# Only the open tab's content is built (each holds forms: an opened case draws less, sooner)
TABS, TABS_KEY = ("不備・コメント", "法人情報"), f"{PAGE}_tabs"
# The back office's status buttons (§4.1); 不備 goes through the reason form.
STATUS_BUTTONS = {
    "submitted": ("投入済にする", ":material/task_alt:"),
    "in_progress": ("対応中に戻す", ":material/undo:"),
}


def pick() -> int | None:
    chosen = common.chosen_id()
    if chosen is None:
        st.info("投入案件一覧から案件を選ぶか、依頼IDを入力してください。")
        with st.form(f"{PAGE}_pick"):
            typed = st.number_input("依頼ID", min_value=1, step=1, value=None, key=f"{PAGE}_id")
            if st.form_submit_button("開く", icon=":material/open_in_new:") and typed:
                st.query_params["id"] = str(int(typed))
                st.rerun()
    return chosen


def site_key(site: dict) -> str:
    return f"{PAGE}_site_{site['id']}"


# --- the corporation and the card


def card(corporation: dict) -> None:
    """The masked card number; 「全桁を表示」 shows the full number once (the API audits it), never kept."""
    masked = corporation["credit_card_number_masked"]
    if not masked:
        return
    st.markdown(f"**クレジットカード番号** {masked}")
    if not st.button(
        "全桁を表示",
        key=f"{PAGE}_reveal",
        icon=":material/visibility:",
        help="キャリア管理画面への入力用です。表示したことは監査ログに記録されます。",
    ):
        return
    try:
        revealed = crm_api.reveal_card(corporation["id"])
    except api.ApiError as exc:
        common.show_api_error(exc)
        return
    st.warning("カード情報を表示しました（監査ログに記録済み）。入力が済んだら画面を閉じてください。")
    st.code(revealed["credit_card_number"], language=None)
    if revealed["credit_card_security_code"]:
        st.code(f"セキュリティコード {revealed['credit_card_security_code']}", language=None)


def corporation(detail: dict) -> None:
    crm_forms.corporation_view(detail["corporation"])
    card(detail["corporation"])
    with layout.shown_when_open("法人情報を編集", key=f"{CORPORATION}_open", icon=":material/edit:") as shown:
        if shown:
            crm_forms.corporation_editor(PAGE, CORPORATION, detail["corporation"])


# --- images and their sites


def link_tool(detail: dict):
    """For the zoomed image: which site it belongs to (明細画像と地点を紐づけ)."""
    sites = {site["id"]: site for site in detail["sites"]}

    def tool(image: dict) -> None:
        options = [None, *sites]
        with st.form(f"{PAGE}_link_{image['id']}", border=False):
            site_id = st.selectbox(
                "この画像の地点",
                options,
                index=options.index(image["site_id"]) if image["site_id"] in sites else 0,
                key=f"{PAGE}_link_site_{image['id']}",
                format_func=lambda i: "（紐づけなし）" if i is None else crm_detail.site_name(sites[i]),
            )
            linked = st.form_submit_button("紐づけを保存", icon=":material/link:")
        if linked:
            writes.act(
                PAGE,
                lambda: crm_api.link_image(image["id"], site_id),
                f"{image['label']} の紐づけを保存しました。",
                changed=site_id != image["site_id"],
            )

    return tool


# --- sites


def site_table(sites: list[dict]) -> None:
    services, head = common.choices("service_type"), common.headers("site")
    rows = [
        {
            "地点ID": s["id"],
            head["power_branch_name"]: s["power_branch_name"],
            "ステータス": s["status_label"],
            head["service_type"]: services.get(s["service_type"], ""),
            "紐づけ画像": len(s["image_ids"]),
            "投入完了日": timestamps.local_time(s["submitted_at"]),
        }
        for s in sites
    ]
    tables.record_table(f"{PAGE}_sites", common.status_style(pd.DataFrame(rows)), sites, picker=SITE_PICKER)


def add_site(request_id: int) -> None:
    if st.button("＋地点を追加", key=f"{PAGE}_add_site", type="primary"):
        writes.act(
            PAGE,
            lambda: crm_api.create_site(request_id, {}),
            "地点を追加しました。明細画像を見ながら入力してください。",
        )


def status_actions(site: dict) -> None:
    """ステータス変更 along §4.1's arrows, 不備 with its reason (the sales person is notified)."""
    moves = crm_api.vocabulary()["transitions"].get(site["status"], [])
    with st.container(horizontal=True):
        for after in sorted(moves):
            if after not in STATUS_BUTTONS:
                continue
            label, icon = STATUS_BUTTONS[after]
            if st.button(label, key=f"{site_key(site)}_{after}", icon=icon):
                move = partial(crm_api.change_site_status, site["id"], after, site["version"])
                writes.act(
                    PAGE,
                    common.reloading(site_key(site), move),
                    f"{crm_detail.site_name(site)} を「{common.status_choices()[after]}」にしました。",
                )
    if "deficient" in moves:
        deficiency_form(
            f"{site_key(site)}_deficiency",
            "この地点に不備あり",
            partial(crm_api.change_site_status, site["id"], "deficient", site["version"]),
            editing=site_key(site),
        )


def deficiency_form(key: str, title: str, call: Callable[[str], Any], *, editing: str | None = None) -> None:
    """不備あり: a reason is required; it is sent to the sales person (badge) and kept in the timeline.

    editing names the form of the record whose version the deficiency moves (read afresh after it); the form is built
    only while its expander is open."""
    with layout.shown_when_open(title, key=f"{key}_open", icon=":material/report:") as shown:
        if not shown:
            return
        with st.form(key):
            reason = st.text_area(
                "不備理由（必須）",
                key=forms.key(key, "reason"),
                max_chars=common.message_max(),
            ).strip()
            sent = st.form_submit_button("不備を送信", type="primary", key=f"{key}_send")
    if sent:
        if not reason:
            st.error("不備理由を入力してください。")
            return
        write = partial(call, reason)
        writes.act(
            PAGE,
            common.reloading(editing, write) if editing else write,
            "不備を登録し、営業担当者に通知しました。",
            form=key,
        )


def site_editor(site: dict, images: list[dict], beside: DeltaGenerator) -> None:
    """明細入力: every field of the site under the version first read (a stale edit shows the conflict); the empty
    fields filled with the OCR proposals of a statement image, marked, their reading shown `beside` the form. No
    st.form: each field's value reaches the page as it is typed, so what the operator typed over a proposal is kept
    through every rerun, even one that draws the form anew with proposals arrived since (ocr.typed)."""
    key = site_key(site)
    base = common.editing_base(key, site)
    reading = ocr.reading_for(key, site, images)
    proposed = reading.filled(base)
    with st.container(border=True):
        values = crm_forms.site_form(key, proposed | ocr.typed(key), reading.marks(base))
        submitted = st.button("地点を保存", type="primary", icon=":material/save:", key=f"{key}_save")
    ocr.keep_typed(key, common.changes_from(proposed, values))
    ocr.where_read(key, reading, beside)
    if not submitted:
        return
    changes = common.changes_from(base, values)
    if writes.show_errors(crm_forms.site_errors(changes, base["version"])):
        return
    common.save(
        PAGE,
        key,
        base,
        changes,
        lambda body: crm_api.update_site(site["id"], body | reading.body()),
        f"{crm_detail.site_name(base | changes)} を保存しました。",
        current=lambda: crm_api.get_site(site["id"]),
        merge=True,
    )


def site_tools(site: dict) -> None:
    with st.container(horizontal=True):
        st.download_button(
            "キャリア投入用CSV",
            crm_api.site_carrier_csv(site["id"]),
            file_name=f"carrier_site_{site['id']}.csv",
            mime="text/csv",
            key=f"{site_key(site)}_csv",
            on_click="ignore",
            icon=":material/download:",
            help="キャリア管理画面のフィールド名（元フィールド）の列で、この地点を出力します。",
        )
    if site["status"] == "in_progress":
        writes.confirm_then_act(
            PAGE,
            f"{site_key(site)}_delete",
            confirm="誤って追加した地点を削除します",
            label="地点を削除",
            call=lambda: crm_api.delete_site(site["id"], site["version"]),
            success=f"地点 #{site['id']} を削除しました。",
            icon=":material/delete:",
        )


def site_panel(site: dict, images: list[dict], beside: DeltaGenerator) -> None:
    common.status_badge(site["status"], site["status_label"])
    if site["status"] in crm_api.vocabulary()["closed"]:
        st.dataframe(pd.DataFrame(list(crm_forms.site_view(site).items()), columns=["項目", "内容"]), hide_index=True)
    else:
        status_actions(site)
        site_editor(site, images, beside)
    site_tools(site)


def sites(detail: dict, beside: DeltaGenerator) -> None:
    st.markdown("**地点**")
    add_site(detail["request"]["id"])
    if not detail["sites"]:
        st.caption("地点はまだありません。明細画像を確認して「＋地点を追加」で作成してください。")
        return
    site_table(detail["sites"])
    by_id = {site["id"]: site for site in detail["sites"]}
    shown_as = {i: f"{crm_detail.site_name(site)}（{site['status_label']}）" for i, site in by_id.items()}
    chosen = pickers.record_picker("入力する地点", shown_as, SITE_PICKER, default=next(iter(by_id)))
    site_panel(by_id[chosen], detail["images"], beside)


def request_tools(detail: dict) -> None:
    item = detail["request"]
    with st.container(horizontal=True):
        st.download_button(
            "未投入の地点のキャリア投入用CSV",
            crm_api.request_carrier_csv(item["id"]),
            file_name=f"carrier_request_{item['id']}.csv",
            mime="text/csv",
            key=f"{PAGE}_request_csv",
            on_click="ignore",
            icon=":material/download:",
            help="「対応中」「不備」の地点（投入済・キャンセルを除く）を、ステータス列付きで出力します。",
        )
        st.page_link(common.QUEUE_PAGE, label="投入案件一覧に戻る", icon=":material/arrow_back:")
    if item["status"] in ("in_progress", "deficient"):
        deficiency_form(
            f"{PAGE}_whole_deficiency",
            "不備あり（法人全体）",
            lambda reason: crm_api.raise_deficiency(item["id"], reason, item["version"]),
        )


def back_office_names() -> dict[int, str]:
    """Who may take a request: the CRM's operators and admins, by id."""
    people = (
        crm_api.list_users(role="operator", page_size=100)["items"]
        + crm_api.list_users(role="admin", page_size=100)["items"]
    )
    return {user["user_id"]: user["name"] for user in people if user["is_active"]}


def assignment(item: dict, profile: dict) -> None:
    """担当者: who of the input team has the request; an admin gives an open one to another, or back to the queue."""
    who = item["assigned_to_name"] or common.UNASSIGNED
    since = f"（{timestamps.local_time(item['assigned_at'])}から）" if item["assigned_at"] else ""
    st.markdown(f"**{common.ASSIGNEE_COLUMN}** {labels.plain(who)}{since}")
    if profile["role"] != common.ADMIN or item["status"] not in ("in_progress", "deficient"):
        return
    names = back_office_names()
    with st.form(f"{PAGE}_assignee"):
        options: list[int | None] = [None, *names]
        current = item["assigned_to"] if item["assigned_to"] in names else None
        chosen = st.selectbox(
            "担当者を変更",
            options,
            index=options.index(current),
            key=f"{PAGE}_assignee_{item['id']}",
            format_func=lambda i: f"{common.UNASSIGNED}（キューに戻す）" if i is None else names[i],
        )
        sent = st.form_submit_button("担当者を保存", icon=":material/assignment_ind:")
    if sent:
        writes.act(
            PAGE,
            lambda: crm_api.reassign(item["id"], chosen),
            f"担当者を「{names[chosen] if chosen else common.UNASSIGNED}」にしました。",
            changed=chosen != item["assigned_to"],
        )


def show(detail: dict) -> None:
    crm_detail.header(detail)
    assignment(detail["request"], crm_api.me())
    crm_detail.deficiency_history(detail)
    if detail["security_code_needed"]:
        st.warning(SECURITY_CODE_NEEDED, icon=":material/credit_card_off:")
    request_tools(detail)
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("**明細画像**")
        crm_detail.images(detail, PAGE, tools=link_tool(detail))
    with right:
        sites(detail, beside=left)
    comments, corporation_tab = st.tabs(list(TABS), key=TABS_KEY, on_change="rerun")
    with comments:
        if comments.open:
            crm_detail.timeline(detail, PAGE)
    with corporation_tab:
        if corporation_tab.open:
            corporation(detail)


common.request_page(__file__, PAGE, pick, show)
