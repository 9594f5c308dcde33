"""管理 › 送信履歴: every outgoing mail, SMS, Slack message and call, its attempts, and 再送 for failed ones."""

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, labels, sections
from dashboards.components import badges, pickers, tables, timestamps, writes

PAGE = "admin_outbox"
ATTEMPT_COLUMNS = {
    "number": "回",
    "started_at": "開始",
    "finished_at": "終了",
    "outcome": "結果",
    "error": "エラー",
    "provider_message_id": "事業者側のメッセージID",
}


def words() -> dict[str, dict[str, str]]:
    """The statuses' and channels' words as the service serves them."""
    return api.outbox_vocabulary()


def message_row(message: dict) -> dict:
    return {
        "ID": message["id"],
        "作成日時": timestamps.local_time(message["created_at"]),
        "チャネル": labels.label(words()["channels"], message["channel"]),
        "宛先": message["recipient"],
        "件名": message["subject"],
        "状態": labels.label(words()["statuses"], message["status"]),
        "試行回数": message["attempts"],
        "配信状況": message.get("delivery_status") or "",
        "最後のエラー": message.get("last_error") or "",
        "送信日時": timestamps.local_time(message.get("sent_at")),
        "次回試行": timestamps.local_time(message.get("next_attempt_at")) if message["status"] == "pending" else "",
        "区分": labels.label(sections.DOMAIN_LABELS, message["domain"]),
        "関連": f"{message.get('ref_type') or ''} {message.get('ref_id') or ''}".strip(),
    }


def status_style(frame: pd.DataFrame) -> Styler:
    """The 状態 cells in colour: 送信済み green, 失敗 red, 送信待ち and 送信中 as the status badge shows them."""
    states = badges.word_colours(words()["statuses"], badges.STATUS_COLOURS)
    return badges.status_cells(frame, "状態", states)


def attempt_row(attempt: dict) -> dict:
    row = {title: attempt.get(field) or "" for field, title in ATTEMPT_COLUMNS.items()}
    row["開始"] = timestamps.local_time(attempt.get("started_at"))
    row["終了"] = timestamps.local_time(attempt.get("finished_at"))
    row["結果"] = labels.label(labels.ATTEMPT_OUTCOME_LABELS, attempt.get("outcome"))
    return row


def filters() -> dict[str, str]:
    columns = st.columns(3)
    with columns[0]:
        status = pickers.code_select("状態", words()["statuses"], f"{PAGE}_status")
    with columns[1]:
        channel = pickers.code_select("チャネル", words()["channels"], f"{PAGE}_channel")
    with columns[2]:
        domain = pickers.code_select("区分", sections.DOMAIN_LABELS, f"{PAGE}_domain")
    return {"status": status, "channel": channel, "domain": domain}


def retry(message: dict) -> None:
    writes.act(PAGE, lambda: api.retry_outbox(message["id"]), f"ID {message['id']} を再送の待ち行列に戻しました。")


def message_detail(shown: list[dict]) -> None:
    by_id = {message["id"]: message for message in shown}
    chosen = st.selectbox(
        "詳細を表示する送信（ID）",
        list(by_id),
        index=None,
        key=f"{PAGE}_detail",
        placeholder="IDを選択",
        format_func=lambda i: f"{i}: {by_id[i]['recipient']} {by_id[i]['subject']}".strip(),
    )
    if chosen is None:
        return
    message = api.get_outbox(chosen)
    badges.status_badge(message["status"], labels.label(words()["statuses"], message["status"]))
    subject = labels.plain(message["subject"] or "（なし）")
    st.markdown(f"**宛先**: {labels.plain(message['recipient'])}　**件名**: {subject}")
    if message.get("last_error"):
        st.error(f"最後のエラー: {labels.plain(message['last_error'])}")
    st.markdown("**本文**")
    st.code(message.get("body") or "", language=None, wrap_lines=True)
    st.markdown("#### 送信の試行")
    attempts = message.get("attempts_log") or []
    if attempts:
        st.dataframe(pd.DataFrame([attempt_row(a) for a in attempts]), hide_index=True)
    else:
        st.caption("まだ送信を試行していません。")
    if message["status"] != "failed":
        return
    if st.button("再送", key=f"{PAGE}_retry_{chosen}", type="primary", icon=":material/send:"):
        retry(message)


auth.require_page(__file__)
st.title("送信履歴")
writes.show_flash(PAGE)
listed = tables.paginated_table(
    PAGE, api.list_outbox, message_row, filters=filters(), export="/admin/outbox/export", style=status_style
)
if listed["items"]:
    message_detail(listed["items"])
