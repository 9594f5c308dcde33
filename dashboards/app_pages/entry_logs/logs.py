"""入退管理 › 入退管理ログ (§3.4, §6.3): the filter card, 50 logs a page by time, CSV export, deleting a bad scan.

Staff and 管理者 select a row of the table to delete it (FR-AL-006, DI-AL-001's アクション); the choice is kept as
the log's id. Staff delete softly (the log is kept with who/when/why); only 管理者 get the physical option
(SEC-006). The 日時 order is the API's (the whole list, every page): Streamlit's header click sorts only the rows in
the browser and does not tell the page, so the order is the 日時の並び順 control above the table (UI-AL-003).
"""

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import auth, clock, entry_logs_api, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import badges, kpi, pickers, tables, timestamps, writes

PAGE = "entry_logs_logs"
PAGE_SIZE = 50
APPLIED_KEY = f"{PAGE}_applied"
CHOSEN_KEY = f"{PAGE}_chosen"
SORTS = {"-timestamp": "↓ 新しい順", "timestamp": "↑ 古い順"}
SORT_HELP = "一覧全体（すべてのページ）を日時で並べ替えます。表の見出しのクリックは表示中の行だけを並べ替えます。"
CHOOSE_HINT = "誤スキャンのログを削除するには、表の左端で行を選択してください。"
SOFT_NOTE = (
    "削除したログは一覧・CSV・集計に表示されなくなります。"
    "ログ自体は残り、誰がいつ何のために削除したかが記録されます（論理削除）。"
)
RANGE_REVERSED = "期間の開始が終了より後になっています。"
PART = "名前の一部"
MANUAL = f"{PAGE}_manual"  # the 再登録 form
MANUAL_NOTE = (
    "スキャンし忘れた入退や、誤スキャンを削除したあとの正しい入退を、実際の日時で登録します（今日または保存期間内の過去の日）。"
    "登録したログは「手入力」として、登録者と理由が一覧・CSV・監査ログに残ります。"
)


def filter_errors(start: date | None, end: date | None) -> list[str]:
    return [RANGE_REVERSED] if start and end and start > end else []


def nursery_filter() -> int | None:
    """All nurseries or one, for users who work across nurseries (staff see their own nursery's logs only)."""
    by_id = {n["id"]: n for n in entry_logs_api.nurseries()}
    return st.selectbox(
        common.field("parent", "nursery_id").label,
        [None, *by_id],
        key=f"{PAGE}_nursery",
        format_func=lambda i: labels.ALL_LABEL if i is None else by_id[i]["name"],
    )


# a figure card's link (入 / 出 over the chosen days): query parameter -> (the filter card's widget, reading)
LINKED: dict[str, tuple[str, Callable[[str], Any]]] = {
    "from": (f"{PAGE}_from", kpi.day),
    "to": (f"{PAGE}_to", kpi.day),
    "entryType": (f"{PAGE}_type", str),
    "nurseryId": (f"{PAGE}_nursery", int),
}


def apply_link() -> None:
    """A figure card's link (?from=…&to=…&entryType=…&nurseryId=…) fills the filter card and applies it at once, as
    if 検索 had been pressed: the list shows the card's rows and its total is the card's number."""
    query = kpi.linked_filters(PAGE, LINKED)
    if not query:
        return
    nursery = query.get("nurseryId", "")
    st.session_state[APPLIED_KEY] = {
        "from": query.get("from"),
        "to": query.get("to"),
        "parentName": "",
        "entryType": query.get("entryType"),
        "childName": "",
        "nurseryId": int(nursery) if nursery.isdigit() else None,
    }


def filter_card(user: dict) -> dict:
    """The §6.3 filter card; its values apply when 検索 is pressed and the dates are in order."""
    apply_link()
    with st.container(border=True):
        st.markdown("**フィルター**")
        with st.form(f"{PAGE}_filters", border=False):
            top = st.columns([1, 1, 2, 1])
            start = top[0].date_input("期間（開始）", value=None, key=f"{PAGE}_from")
            end = top[1].date_input("期間（終了）", value=None, key=f"{PAGE}_to")
            parent = (
                top[2].text_input(**common.search("parent", "name"), key=f"{PAGE}_parent", placeholder=PART).strip()
            )
            with top[3]:
                entry_type = pickers.code_select("入/出", common.type_labels(), f"{PAGE}_type")
            across = common.unrestricted(user)
            bottom = st.columns([2, 2, 1] if across else [4, 1], vertical_alignment="bottom")
            child = (
                bottom[0].text_input(**common.search("child", "name"), key=f"{PAGE}_child", placeholder=PART).strip()
            )
            nursery_id = None
            if across:
                with bottom[1]:
                    nursery_id = nursery_filter()
            submitted = bottom[-1].form_submit_button("検索", type="primary", icon=":material/search:")
    if submitted and not writes.show_errors(filter_errors(start, end)):
        st.session_state[APPLIED_KEY] = {
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "parentName": parent,
            "entryType": entry_type,
            "childName": child,
            "nurseryId": nursery_id,
        }
    return st.session_state.get(APPLIED_KEY, {})


def log_row() -> Callable[[dict], dict]:
    """A table's row maker for logs, its words (入/出, the late mark) read once."""
    marks = {entry_type: common.mark(entry_type) for entry_type in common.ARROWS}
    late = entry_logs_api.vocabulary()["lateMark"]
    parent, nursery = common.headers("parent")["name"], common.headers("nursery")["name"]

    def row(log: dict) -> dict:
        return {
            "日時": timestamps.local_time(log["timestamp"]),
            parent: log["parentName"],
            "入/出": marks[log["entryType"]],
            "関連園児": "、".join(log["childNames"]),
            nursery: log["nurseryName"],
            "遅延登録": late if log["late"] else "",
            "備考": common.log_note(log),
        }

    return row


def coloured(frame: pd.DataFrame) -> Styler:
    """The 入/出 column in green (↓ 入) or orange (↑ 出)."""
    colours = {common.mark(entry_type): colour for entry_type, colour in common.COLOURS.items()}
    return badges.styled(frame).map(lambda mark: f"color: {colours[mark]}; font-weight: 700", subset=["入/出"])


def table_key(ids: Sequence[int]) -> str:
    """One key per set of rows shown: Streamlit keeps a table's selection by position, so other rows get a new table."""
    digest = hashlib.blake2b(",".join(map(str, ids)).encode(), digest_size=8).hexdigest()
    return f"{PAGE}_rows_{digest}"


def chosen_log_id(ids: Sequence[int], rows: Sequence[int]) -> int | None:
    """The log id of the selected row (positions are those of the rows the table was drawn with)."""
    return ids[rows[0]] if rows else None


def selectable_table(frame: pd.DataFrame | Styler, logs: list[dict]) -> None:
    """The page's logs with one row to select; the choice is kept as the log's id, so new rows never shift it."""
    ids = [log["id"] for log in logs]
    chosen = st.session_state.get(CHOSEN_KEY)
    event = st.dataframe(
        frame,
        hide_index=True,
        key=table_key(ids),
        on_select="rerun",
        selection_mode="single-row",
        selection_default={"selection": {"rows": [ids.index(chosen)] if chosen in ids else []}},
    )
    st.session_state[CHOSEN_KEY] = chosen_log_id(ids, event.selection.rows)


def log_table(query: dict) -> list[dict]:
    """One page of 50 logs in the API's order (a new filter or order goes back to page 1); returns the logs shown."""
    shown = tables.paginated_table(
        PAGE,
        entry_logs_api.list_logs,
        log_row(),
        filters=query,
        export="/entry-exit-logs/export",
        page_size=PAGE_SIZE,
        style=coloured,
        note="（↓ 入 = 緑、↑ 出 = オレンジ）",
        table=selectable_table,
    )
    return shown["items"]


def log_text(log: dict, shown: Callable[[str], str] = str) -> str:
    """e.g. 2026-01-14 09:15:32 山田花子 ↓ 入; shown makes the name safe where it goes (labels.plain for Markdown)."""
    return f"{timestamps.local_time(log['timestamp'])} {shown(log['parentName'])} {common.mark(log['entryType'])}"


def reason_errors(reason: str) -> list[str]:
    """The API's rule for a deletion reason: required, up to noteMax characters, no control characters."""
    if not reason:
        return ["削除の理由を入力してください。"]
    limit = entry_logs_api.rules()["noteMax"]
    if not common.fits(reason, limit):
        return [f"削除の理由は{limit}文字以内で入力してください（改行などの制御文字は使えません）。"]
    return []


def cancel_delete(table: str) -> None:
    """Forget the chosen log and clear the table's selected row."""
    st.session_state[CHOSEN_KEY] = None
    st.session_state[table] = {"selection": {"rows": []}}


def confirm_delete(log: dict, table: str, *, may_remove: bool) -> None:
    """Ask for the reason (and, when may_remove, whether to remove the log for good) and a second click."""
    with st.form(f"{PAGE}_delete_{log['id']}", border=True):
        st.warning(f"次の入退ログを削除します: **{log_text(log, labels.plain)}**  \n{SOFT_NOTE}")
        reason = st.text_input(
            "削除の理由（必須）",
            key=f"{PAGE}_reason_{log['id']}",
            max_chars=entry_logs_api.rules()["noteMax"],
            placeholder="例: 誤スキャン",
        ).strip()
        physical = may_remove and st.checkbox(
            "ログを完全に削除する（物理削除・元に戻せません）",
            key=f"{PAGE}_physical_{log['id']}",
            help="チェックしない場合は論理削除です（ログは残り、一覧・CSV・集計から除かれます）。",
        )
        with st.container(horizontal=True):
            confirmed = st.form_submit_button("削除する", type="primary", icon=":material/delete:")
            st.form_submit_button("キャンセル", on_click=cancel_delete, args=(table,))
    if confirmed and not writes.show_errors(reason_errors(reason)):
        done = "完全に削除しました" if physical else "削除しました"
        writes.act(
            PAGE,
            lambda: entry_logs_api.delete_log(log["id"], reason, physical=physical),
            f"入退ログ（{log_text(log, labels.plain)}）を{done}。理由: {labels.plain(reason)}",
        )


def delete_panel(logs: list[dict], *, may_remove: bool) -> None:
    """The confirmation for the log chosen in the table, or how to choose one; may_remove offers physical deletion."""
    log = next((log for log in logs if log["id"] == st.session_state.get(CHOSEN_KEY)), None)
    if log is None:
        st.caption(CHOOSE_HINT)
    else:
        confirm_delete(log, table_key([row["id"] for row in logs]), may_remove=may_remove)


def manual_errors(parent_id: int | None, reason: str) -> list[str]:
    """The API's rules for a 再登録: a parent, and a reason of up to noteMax characters."""
    errors = [] if parent_id is not None else ["保護者を選択してください。"]
    limit = entry_logs_api.rules()["noteMax"]
    if not reason or not common.fits(reason, limit):
        errors.append(f"理由を{limit}文字以内で入力してください（必須・改行などの制御文字は使えません）。")
    return errors


def manual_form(user: dict) -> None:
    """再登録 (CON-B-002): a parent's missed entry or exit at the date and time staff give, with a required reason."""
    with st.expander("入退を再登録（スキャン漏れ・誤スキャンの訂正）", icon=":material/edit_calendar:"):
        st.caption(MANUAL_NOTE)
        nursery = common.nursery_choice(user, MANUAL)
        if nursery is None:
            return
        parents, types = common.all_parents(nursery["id"]), common.type_labels()
        with st.form(MANUAL):
            parent_id = st.selectbox(
                "保護者",
                list(parents),
                index=None,
                key=forms.key(MANUAL, "parent"),
                format_func=parents.__getitem__,
                placeholder="保護者を選択",
            )
            entry_type = st.radio(
                "入/出", list(types), horizontal=True, key=forms.key(MANUAL, "type"), format_func=types.get
            )
            at = forms.date_time(forms.key(MANUAL, "at"), "日時", clock.now())
            reason = st.text_input(
                "理由（必須）",
                key=forms.key(MANUAL, "reason"),
                max_chars=entry_logs_api.rules()["noteMax"],
                placeholder="例: スキャン忘れ（保護者から申告）",
            ).strip()
            submitted = st.form_submit_button("再登録する", type="primary", icon=":material/save:")
    if submitted and not writes.show_errors(manual_errors(parent_id, reason)):
        assert parent_id is not None
        name, when = labels.plain(parents[parent_id]), timestamps.local_time(at)[:16]
        done = f"{name} さんの「{types[entry_type]}」を{when}で再登録しました（手入力）。"
        writes.act(
            PAGE,
            lambda: entry_logs_api.record_log(nursery["id"], parent_id, entry_type, at, reason),
            done,
            form=MANUAL,
        )


user = auth.require_page(__file__)
st.title("入退管理ログ")
writes.show_flash(PAGE)
applied = filter_card(user)
order = st.radio(
    "日時の並び順", list(SORTS), format_func=SORTS.get, horizontal=True, key=f"{PAGE}_sort", help=SORT_HELP
)
query = applied | {"sort": order}
shown = log_table(query)
if shown:
    delete_panel(shown, may_remove=common.is_domain_admin(user))
manual_form(user)
