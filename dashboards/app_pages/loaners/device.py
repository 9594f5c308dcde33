"""代替機 › 機器詳細: the device, its current answers, its QR code and the full submission timeline (?id=), the
rotation's archived answers included (marked アーカイブ, the oldest, last)."""

import streamlit as st

from dashboards import api, auth, labels, loaners_api
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import kpi, tables, timestamps, writes

PAGE = "loaners_device"


def timeline_row(submission: dict) -> dict:
    vocabulary, head = loaners_api.vocabulary(), loaners_common.headers("device")
    return {
        "タイムスタンプ": timestamps.local_time(submission["submitted_at"]),
        "メールアドレス": submission["submitter_email"],
        head["status"]: submission["status"] or "",
        head["held_status"]: submission["held_status"] or "",
        "回答": "／".join(f"{key}: {value}" for key, value in submission["answers"].items()),
        "経路": "取込" if submission["source"] == "import" else "フォーム",
        vocabulary["archived_column"]: vocabulary["archived"] if submission["archived"] else "",
    }


def summary(device: dict) -> None:
    # 預かり機のステータス is words (up to 「商談や金額の問題で返却不可」): its card gets room to read them
    columns, head = st.columns([1, 2, 1, 1]), loaners_common.headers("device")
    with columns[0]:
        kpi.kpi_card(head["status"], device["status"] or "未回答")
    with columns[1]:
        kpi.kpi_card(head["held_status"], loaners_common.held_label(device["held_status"]) or "-")
    with columns[2]:
        kpi.kpi_card("保有日数", "-" if device["held_days"] is None else f"{device['held_days']}日")
    with columns[3]:
        kpi.kpi_card("最終回答", timestamps.relative_time(device["last_submitted_at"]) or "-")
    if device["held_status_days"] is not None:
        since = timestamps.local_time(device["held_status_since"])
        st.caption(
            f"「{labels.plain(device['held_status'])}」になってから {device['held_status_days']}日（{since} から）"
        )
    st.markdown(
        f"**{labels.plain(device['management_number'])}**  \n"
        f"拠点: {labels.plain(device['location_name'])}（{labels.plain(device['jurisdiction'])}）　"
        f"機器種別: {device['kind_label']}　"
        f"機種名: {labels.plain(device['model_name'])}（{labels.plain(device['maker'])}）  \n"
        f"製造番号: {labels.plain(device['serial_number'])}　"
        f"資産管理番号: {labels.plain(device['asset_number'] or '-')}　"
        f"ソフトウェア: {labels.plain(device['software'] or '-')}　OS: {labels.plain(device['os'] or '-')}"
    )


def current_answers(device: dict) -> None:
    current = device["current"]
    if current is None:
        st.info("まだステータスの回答がありません。")
        return
    at, email = timestamps.local_time(current["submitted_at"]), labels.plain(current["submitter_email"])
    st.caption(f"最新の回答: {at}（{email}）")
    st.table({"質問": list(current["answers"]), "回答": list(current["answers"].values())})


def device_id_from_address() -> int | None:
    raw = st.query_params.get("id", "")
    return int(raw) if raw.isdigit() else None


auth.require_page(__file__)
st.title("機器詳細")
writes.show_flash(PAGE)
device_id = device_id_from_address()
if device_id is None:
    st.info("通常データの一覧から機器を選んでください。")
    st.stop()
try:
    device = loaners_api.get_device(device_id)
except api.ApiError as exc:
    writes.api_error(exc)
    st.stop()
summary(device)
loaners_common.form_link(device["id"], device["management_number"])
details, qr = st.columns([3, 1])
with details:
    st.subheader("現在の回答")
    current_answers(device)
with qr:
    st.image(loaners_api.qr_png(device["id"]), caption="ステータス送信フォームのQRコード", width=160)
st.subheader("送信履歴")
st.caption("3年を過ぎてアーカイブに移された回答も、保存先「アーカイブ」として古い順の最後に表示します。")
tables.paginated_table(
    f"{PAGE}_timeline",
    lambda **p: loaners_api.timeline(device["id"], **p),
    timeline_row,
    export=f"/loaners/devices/{device['id']}/submissions/export",
    style=loaners_common.status_style,
)
