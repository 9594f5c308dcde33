"""What 不備確認・修正 and 案件詳細 both show of one request: its header, the statement images (thumbnails and a
zoomable view), the comment timeline with what each resubmission changed, and the comment form."""

import base64
from collections.abc import Callable

import pandas as pd
import streamlit as st

from clientkit import templates
from dashboards import crm_api, forms, labels
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import forms as crm_forms
from dashboards.components import timestamps, writes

PDF = "application/pdf"
THUMBNAILS_PER_ROW = 4
ZOOM = (50, 400, 100, 25)  # from, to, start, step (% of the page width)
SECRET_CHANGE = "（変更あり・非表示）"
# how long the request has been in its status, in all, and that time split: waiting on the agency, the input team's
TIMES = ("in_status_seconds", "total_seconds", "agency_seconds", "input_team_seconds")


def header(detail: dict) -> None:
    item = detail["request"]
    st.subheader(f"依頼 #{item['id']} {labels.plain(item['corporation_name'])}")
    marks = [common.status_markdown(item["status"], item["status_label"])]
    if detail["whole_deficiency"]:
        marks.append(":red-badge[法人全体に不備]")
    st.markdown(" ".join(marks))
    st.caption(
        f"代理店: {item['agency_name']} ／ 営業担当者: {item['requested_by_name']} ／ "
        f"投入依頼日: {timestamps.local_time(item['created_at'])} ／ "
        f"地点数: {item['sites_total']}（申告 {item['site_count']}）"
    )
    times = common.times_row(item["times"], TIMES, common.time_words())
    st.caption(" ／ ".join(f"{name}: {span}" for name, span in times.items()))
    if detail["remarks"]:
        st.markdown(f"**営業担当者の備考**  \n{labels.plain(detail['remarks'])}")


# --- statement images


def site_name(site: dict) -> str:
    """e.g. 地点 #3 渋谷店."""
    return f"地点 #{site['id']} {site.get('power_branch_name') or ''}".strip()


def labelled(images: list[dict]) -> list[dict]:
    """The request's images, each with the name that tells it from another of the same file name: its number in the
    request and when it was uploaded (No.2 明細.jpg 2026/01/05 09:30)."""
    return [
        image | {"label": f"No.{number} {image['file_name']} {timestamps.local_time(image['uploaded_at'])[:16]}"}
        for number, image in enumerate(images, start=1)
    ]


def thumbnails(images: list[dict], sites: dict[int, dict]) -> None:
    columns = st.columns(THUMBNAILS_PER_ROW)
    for i, image in enumerate(images):
        linked = sites.get(image["site_id"])
        caption = f"{image['label']}（{site_name(linked) if linked else '地点未紐づけ'}）"
        with columns[i % THUMBNAILS_PER_ROW]:
            st.image(crm_api.image_bytes(image["id"], thumbnail=True), caption=caption)


def zoomed(image: dict, zoom: int) -> None:
    """The image as uploaded at `zoom` % of the page width, scrollable when larger (a PDF: its download)."""
    if image["content_type"] == PDF:
        st.caption("PDFはプレビューできません。ダウンロードして確認してください。")
        return
    data = base64.b64encode(crm_api.image_bytes(image["id"])).decode()
    st.html(templates.render(common.__name__, "zoomed_image.html", image=image, data=data, zoom=zoom))


def images(detail: dict, key: str, *, tools: Callable[[dict], None] | None = None) -> None:
    """明細画像: thumbnails, then one image zoomed (プレビュー・拡大) with its download; `tools` adds actions for it."""
    shown = labelled(detail["images"])
    if not shown:
        st.caption("明細画像はありません。")
        return
    sites = {site["id"]: site for site in detail["sites"]}
    thumbnails(shown, sites)
    by_id = {image["id"]: image for image in shown}
    left, middle = st.columns([2, 2], vertical_alignment="bottom")
    chosen = left.selectbox(
        "拡大表示する画像", list(by_id), key=f"{key}_image", format_func=lambda i: by_id[i]["label"]
    )
    low, high, start, step = ZOOM
    zoom = middle.slider("拡大率（%）", low, high, start, step, key=f"{key}_zoom")
    image = by_id[chosen]
    zoomed(image, zoom)
    st.download_button(
        "元の画像をダウンロード",
        crm_api.image_file(image["id"]),
        file_name=image["file_name"],
        mime=image["content_type"],
        key=f"{key}_download_{image['id']}",
        on_click="ignore",
        icon=":material/download:",
    )
    if tools:
        tools(image)


# --- the comment timeline


def _shown(field: str, value) -> str:
    if field in common.SECRET_FIELDS:
        return SECRET_CHANGE
    kind = crm_forms.CHOICE_KINDS.get(field)
    if kind and value:
        return common.choices(kind).get(str(value), str(value))
    return common.shown_value(field, value)


def change_rows(changes: dict) -> list[dict]:
    """What a resubmission changed since the deficiency: fields before/after, images added and removed."""
    rows = [
        {
            "項目": common.field_label(field),
            "変更前": _shown(field, diff.get("before")),
            "変更後": _shown(field, diff.get("after")),
        }
        for part in ("corporation", "request")
        for field, diff in (changes.get(part) or {}).items()
    ]
    added, removed = changes.get("images_added", []), changes.get("images_removed", [])
    rows += [{"項目": "明細画像（追加）", "変更前": "", "変更後": image["file_name"]} for image in added]
    rows += [{"項目": "明細画像（削除）", "変更前": image["file_name"], "変更後": ""} for image in removed]
    return rows


def comment(entry: dict, sites: dict[int, dict]) -> None:
    colour = {"deficiency": "red", "resubmission": "blue"}.get(entry["type"], "gray")
    about = "法人全体" if entry["site_id"] is None else site_name(sites.get(entry["site_id"], {"id": entry["site_id"]}))
    with st.container(border=True):
        st.markdown(
            f":{colour}-badge[{entry['type_label']}] **{labels.plain(entry['author_name'] or '-')}** "
            f"{timestamps.local_time(entry['created_at'])} ／ {about}"
        )
        st.markdown(labels.plain(entry["message"]))
        if entry["changes"] is not None:
            rows = change_rows(entry["changes"])
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True)
            else:
                st.caption("変更された項目はありません。")


def deficiency_history(detail: dict) -> None:
    """不備履歴: every round, oldest first: each 不備 (reason, who, when, which site) and each 修正再提出 (who, when,
    what it changed); open while the request is 不備."""
    rounds = [entry for entry in detail["comments"] if entry["type"] in ("deficiency", "resubmission")]
    if not rounds:
        return
    sites = {site["id"]: site for site in detail["sites"]}
    deficiencies = sum(entry["type"] == "deficiency" for entry in rounds)
    with st.expander(f"不備履歴（不備 {deficiencies}回）", expanded=detail["request"]["status"] == "deficient"):
        for entry in rounds:
            comment(entry, sites)


def timeline(detail: dict, page: str) -> None:
    """不備・コメント in time order (不備履歴はコメントとして時系列で記録), and a new comment to the other side."""
    sites = {site["id"]: site for site in detail["sites"]}
    if not detail["comments"]:
        st.caption("不備通知・コメントはまだありません。")
    for entry in detail["comments"]:
        comment(entry, sites)
    request_id = detail["request"]["id"]
    form = f"{page}_comment"
    with st.form(form):
        message = st.text_area("コメント", key=forms.key(form, "text"), max_chars=common.message_max()).strip()
        sent = st.form_submit_button("コメントを送信", icon=":material/send:")
    if sent:
        if not message:
            st.error("コメントを入力してください。")
            return
        writes.act(page, lambda: crm_api.post_comment(request_id, message), "コメントを送信しました。", form=form)
