"""代理店CRM › 不備確認・修正 (§3.4): a request of the sales person's — its 不備 reasons, the sites' status, fixing the
corporation, remarks and images, then 修正して再提出; cancelling while 対応中 or 不備.

A statement image is chosen in the form whose button sends it: while the request can be resubmitted, in 修正して再提出
(one submit sends the images, then resubmits), else in its own 画像を追加; never in a form beside another submit that
would leave it behind unsent."""

import streamlit as st

from dashboards import crm_api, labels
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import detail as crm_detail
from dashboards.app_pages.crm import forms as crm_forms
from dashboards.components import timestamps, writes

PAGE = "crm_fix"
CORPORATION = f"{PAGE}_corporation"
REQUEST = f"{PAGE}_request"


def pick() -> int | None:
    """The request in the address, or one picked from the person's own (不備 first)."""
    chosen = common.chosen_id()
    if chosen is not None:
        return chosen
    deficient = crm_api.list_requests(mine=True, status="deficient", page_size=50)["items"]
    others = [r for r in crm_api.list_requests(mine=True, page_size=50)["items"] if r["status"] != "deficient"]
    if not deficient and not others:
        st.info("確認できる依頼はまだありません。")
        return None
    common.open_request(deficient + others, common.FIX_PAGE, f"{PAGE}_pick", action="確認・修正する")
    return None


def sites(detail: dict, may_cancel: bool) -> None:
    st.markdown("**地点のステータス**")
    if not detail["sites"]:
        st.caption("投入担当者が明細画像から地点を作成すると、ここに表示されます。")
        return
    head = common.headers("site")
    rows = [
        {
            "地点ID": s["id"],
            head["power_branch_name"]: s["power_branch_name"],
            "ステータス": s["status_label"],
            head["power_customer_location_number"]: s["power_customer_location_number"],
            "投入完了日": timestamps.local_time(s["submitted_at"]),
        }
        for s in detail["sites"]
    ]
    common.status_table(rows)
    open_sites = {s["id"]: s for s in detail["sites"] if s["status"] in crm_api.vocabulary()["cancellable"]}
    if not may_cancel or not open_sites:
        return
    with st.expander("地点をキャンセル", icon=":material/cancel:"):
        site_id = st.selectbox(
            "キャンセルする地点",
            list(open_sites),
            key=f"{PAGE}_cancel_site",
            format_func=lambda i: crm_detail.site_name(open_sites[i]),
        )
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_cancel_site_go",
            confirm="この地点の投入依頼を取り消します",
            label="地点をキャンセル",
            call=common.reloading(REQUEST, lambda: crm_api.cancel_site(site_id, open_sites[site_id]["version"])),
            success=f"地点 #{site_id} をキャンセルしました。",
        )


def request_fields(detail: dict) -> dict:
    """What the sales side edits of the request itself, with its version."""
    item = detail["request"]
    return {
        "id": item["id"],
        "version": item["version"],
        "remarks": detail["remarks"],
        "site_count": item["site_count"],
    }


def new_images() -> list[crm_api.Upload]:
    return crm_forms.uploads(f"{PAGE}_new_images", "明細画像を追加（JPEG・PNG・HEIC・PDF）")


def request_editor(detail: dict, *, images: bool) -> None:
    """備考・地点数, and (`images`) more statement images in a form of their own."""
    request_id = detail["request"]["id"]
    base = common.editing_base(REQUEST, request_fields(detail))
    with st.form(f"{REQUEST}_form"):
        remarks = crm_forms.remarks_input(base["remarks"], common.widget_key(REQUEST, "remarks"))
        count = crm_forms.site_count_input(base["site_count"], common.widget_key(REQUEST, "site_count"))
        submitted = st.form_submit_button("備考・地点数を保存", icon=":material/save:")
    if submitted:
        changes = common.changes_from(base, {"remarks": remarks, "site_count": count})
        common.save(
            PAGE,
            REQUEST,
            base,
            changes,
            lambda body: crm_api.update_request(request_id, body),
            "備考・地点数を保存しました。",
            current=lambda: request_fields(crm_api.get_request(request_id)),
            merge=True,
        )
    if not images:
        st.caption("明細画像は下の「修正して再提出」で選び、再提出と一緒に送ります。")
        return
    with st.form(f"{PAGE}_images", clear_on_submit=True):
        files = new_images()
        added = st.form_submit_button("画像を追加", icon=":material/upload:")
    if added and files:
        writes.act(PAGE, lambda: crm_api.add_images(request_id, files), f"明細画像を{len(files)}枚追加しました。")


def remove_image(image: dict) -> None:
    """A wrong or unreadable statement image is removed while the request is open (then a better one added)."""
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_remove_{image['id']}",
        confirm=f"{image['file_name']} を削除します",
        label="この画像を削除",
        call=lambda: crm_api.delete_image(image["id"]),
        success=f"{image['file_name']} を削除しました。",
        icon=":material/delete:",
    )


def resubmit(detail: dict) -> None:
    """The message to the operators and any images still to add, sent with the one button."""
    item = detail["request"]
    with st.form(f"{PAGE}_resubmit"):  # a refused submit keeps what was chosen and typed
        st.markdown("**修正して再提出**")
        files = new_images() if detail["actions"]["add_images"] else []
        message = st.text_area(
            "投入担当者への連絡（任意）",
            key=f"{PAGE}_resubmit_message",
            max_chars=common.message_max(),
            placeholder="例: 明細画像を鮮明なものに差し替えました",
        ).strip()
        submitted = st.form_submit_button("修正して再提出", type="primary", icon=":material/send:")
    if not submitted:
        return

    def send() -> None:
        if files:
            crm_api.add_images(item["id"], files)
        crm_api.resubmit(item["id"], message, item["version"])

    added = f"明細画像を{len(files)}枚追加し、" if files else ""
    writes.act(
        PAGE,
        common.reloading(REQUEST, send),
        f"{added}依頼 #{item['id']} を再提出しました。投入担当者に変更点が伝わります。",
    )


def cancel(detail: dict) -> None:
    item = detail["request"]
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_cancel",
        confirm="この投入依頼を取り消します（投入済の地点はそのまま残ります）",
        label="投入依頼をキャンセル",
        call=common.reloading(REQUEST, lambda: crm_api.cancel_request(item["id"], item["version"])),
        success=f"依頼 #{item['id']} をキャンセルしました。",
        icon=":material/cancel:",
    )


def show(detail: dict) -> None:
    actions = detail["actions"]
    crm_detail.header(detail)
    if detail["request"]["status"] == "deficient":
        reasons = [c for c in detail["comments"] if c["type"] == "deficiency"]
        if reasons:
            st.error(f"不備理由: {labels.plain(reasons[-1]['message'])}")
    crm_detail.deficiency_history(detail)
    sites(detail, actions["cancel"])
    tabs = st.tabs(["不備・コメント", "法人情報の修正", "明細画像・備考"])
    with tabs[0]:
        crm_detail.timeline(detail, PAGE)
    with tabs[1]:
        if actions["edit"]:
            crm_forms.corporation_editor(PAGE, CORPORATION, detail["corporation"])
        else:
            crm_forms.corporation_view(detail["corporation"])
    with tabs[2]:
        crm_detail.images(detail, PAGE, tools=remove_image if actions["add_images"] else None)
        if actions["add_images"]:
            request_editor(detail, images=not actions["resubmit"])
    if actions["resubmit"]:
        resubmit(detail)
    if actions["cancel"]:
        cancel(detail)


common.request_page(__file__, PAGE, pick, show)
