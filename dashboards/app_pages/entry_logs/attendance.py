"""入退管理 › 出欠表管理 (§3.5, §6.4): 出席状態 and 送り迎え時刻 per child, the day's records on hover, kept current;
the month's 出欠表 (each child's days and hours, with its Excel for the office); the 監査ログ of staff's records."""

from datetime import date

import pandas as pd
import streamlit as st

from clientkit import templates
from dashboards import auth, clock, entry_logs_api, formats, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import exports, kpi, timestamps, writes

PAGE = "entry_logs_attendance"
RECORD = f"{PAGE}_record"  # the form that records a child's day
SHOWN = f"{PAGE}_shown"  # the children the live table read last: the record form picks from them (one read a run)
REFRESH_SECONDS = 60
CARDS = ("attended", "absent", "unrecorded")  # the day's named figures (service/entry_logs/figures.py)
DAY_VIEW, MONTH_VIEW = "日ごと", "月ごと"
MONTHS_SHOWN = 13
CORRECTIONS_SHOWN = 20


def tooltip_lines(child: dict) -> list[str]:
    """§6.4.2: who brought or collected the child and when (to the second), the day's latest five records."""
    logs = child["entryExitLogs"]
    lines = ["送り迎え履歴:"]
    if child["entryExitLogCount"] > len(logs):
        lines.append(f"（全{child['entryExitLogCount']}件中 最新{len(logs)}件）")
    parent = None
    for log in logs:
        if log["parentName"] != parent:
            parent = log["parentName"]
            lines.append(f"保護者: {parent}")
        at = timestamps.local_datetime(log["timestamp"])
        manual = f" {common.manual_note(log)}" if log.get("recordedBy") else ""
        lines.append(f"{at:%H:%M:%S} {common.DIRECTIONS[log['entryType']]}{manual}")
    return lines


def times(child: dict) -> dict | None:
    """↓ HH:mm in green and ↑ HH:mm in orange (the latest of each), with the history shown on hover or focus."""
    latest = [log for log in (child["latestEntry"], child["latestExit"]) if log]
    if not latest:
        return None
    marks = [
        (
            common.COLOURS[log["entryType"]],
            common.mark(log["entryType"], f"{timestamps.local_datetime(log['timestamp']):%H:%M}"),
        )
        for log in latest
    ]
    title, *history = tooltip_lines(child)
    return {"marks": marks, "title": title, "history": history}


def status_text(record: dict) -> str:
    """出席 taken from a parent's 入 says so (staff may correct it)."""
    if record["fromDoor"]:
        return f"{record['statusLabel']}（{entry_logs_api.vocabulary()['fromDoorMark']}）"
    return record["statusLabel"]


def child_row(child: dict) -> dict:
    """One row of the table, in columns()' order (status None: 未記録)."""
    records = child["attendances"]
    return {
        "name": child["childName"],
        "class_name": child["className"],
        "status": status_text(records[0]) if records else None,
        "times": times(child),
        "flagged": child["absentWithLogs"],
        "note": records[0]["note"] if records else "",
    }


def columns() -> tuple[str, ...]:
    """The table's headers, in child_row's order."""
    child, attendance = common.headers("child"), common.headers("attendance")
    return (child["name"], child["class_name"], attendance["status"], "送り迎え時刻", attendance["note"])


def attendance_html(children: list[dict]) -> str:
    return templates.render(
        common.__name__,
        "attendance.html",
        columns=columns(),
        rows=[child_row(child) for child in children],
        flag=entry_logs_api.vocabulary()["absentWithLogsMark"],
    )


def attendance_cards(data: dict) -> None:
    """The day's children by 出席状態 (service/entry_logs/figures.py), read with the table, and the moment they are
    as of."""
    figures = entry_logs_api.by_key(data["figures"])
    shown = [figures[key] for key in CARDS]
    for column, figure in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            kpi.figure_card(figure)
    kpi.figures_stamp(shown)


def attendance_table(nursery_id: int, day: date, class_name: str) -> None:
    data = entry_logs_api.attendance(nursery_id, day, class_name)
    st.session_state[SHOWN] = data["children"]
    if not data["children"]:
        st.info("園児が登録されていません。「保護者・園児管理」から登録してください。")
        return
    st.markdown(f"**{day:%Y/%m/%d}の出欠**")
    attendance_cards(data)
    st.html(attendance_html(data["children"]))
    live = "1分ごとに自動で更新されます。" if day == clock.today() else ""
    st.caption(f"送り迎え時刻にマウスを重ねると、保護者と当日の記録（最大5件）を表示します。{live}")


def child_label(child: dict) -> str:
    return f"{child['childName']}（{child['className'] or common.NO_CLASS}）"


def record_form(day: date) -> None:
    """Record a child's 出席/欠席 and a note for the day, or clear it: a child of those the table above has just
    read in this run."""
    children = {c["childId"]: c for c in st.session_state[SHOWN]}
    if not children:
        return
    statuses = entry_logs_api.vocabulary()["attendanceStatuses"]
    with st.expander("出席状態を記録", icon=":material/edit_note:"):
        with st.form(RECORD):
            child_id = st.selectbox(
                "園児", list(children), key=forms.key(RECORD, "child"), format_func=lambda i: child_label(children[i])
            )
            status = st.radio(
                common.field("attendance", "status").label,
                list(statuses),
                horizontal=True,
                key=forms.key(RECORD, "status"),
                format_func=statuses.get,
            )
            note = st.text_input(
                **common.field("attendance", "note").text(),
                key=forms.key(RECORD, "note"),
                placeholder="例: 風邪のため",
            ).strip()
            with st.container(horizontal=True):
                save = st.form_submit_button("記録する", type="primary")
                clear = st.form_submit_button("記録を消す")
    name = labels.plain(children[child_id]["childName"])
    if save:
        writes.act(
            PAGE,
            lambda: entry_logs_api.set_attendance(child_id, day, status, note),
            f"{name}の{day:%m/%d}の出席状態を「{statuses[status]}」にしました。",
            form=RECORD,
        )
    elif clear:
        writes.act(
            PAGE,
            lambda: entry_logs_api.clear_attendance(child_id, day),
            f"{name}の{day:%m/%d}の記録を消しました。",
            form=RECORD,
        )


def class_choice(nursery_id: int) -> str:
    names = [name for name in entry_logs_api.classes(nursery_id) if name]
    return (
        st.selectbox(
            common.field("child", "class_name").label,
            ["", *names],
            key=f"{PAGE}_class",
            format_func=lambda c: c or labels.ALL_LABEL,
        )
        or ""
    )


def month_frame(month: dict) -> pd.DataFrame:
    """One row per child, in the Excel's columns: class, name, each day's cell (h:mm, 出 or 欠) and the totals."""
    rows = []
    for row in month["children"]:
        cells = {day["date"]: day["shown"] for day in row["days"]}
        days = [cells.get(day, "") for day in month["days"]]
        rows.append([row["className"], row["childName"], *days, row["presentDays"], row["absentDays"], row["hours"]])
    return pd.DataFrame(rows, columns=month["headers"])


def month_choice() -> str:
    return st.selectbox(
        "対象月",
        formats.recent_months(clock.today(), MONTHS_SHOWN),
        key=f"{PAGE}_month",
        format_func=formats.month_label,
    )


def month_view(nursery_id: int, chosen: str, class_name: str) -> None:
    month = entry_logs_api.attendance_month(nursery_id, chosen, class_name)
    if not month["children"]:
        st.info("園児が登録されていません。「保護者・園児管理」から登録してください。")
        return
    st.markdown(f"**{formats.month_label(chosen)}の出欠表**")
    st.caption(month["legend"])
    st.dataframe(month_frame(month), hide_index=True, key=f"{PAGE}_month_table")
    filters = {"nurseryId": nursery_id, "month": chosen, "className": class_name or None}
    with st.columns([1, 3])[0]:
        exports.csv_link(
            f"{PAGE}_month_file",
            "/entry-logs/attendance-month/export",
            filters,
            help=f"{formats.month_label(chosen)}の出欠表（園児{len(month['children'])}人）。Excelは A4 横・1ページ幅で"
            "印刷でき、表題と見出しを各ページに印刷します",
        )


def correction_line(item: dict) -> dict:
    entry = item["entry"]
    changes = "、".join(
        f"{change['field_label']}: {change['before_label'] or '（なし）'} → {change['after_label']}"
        for change in entry["changed_fields"]
    )
    return {
        "日時": timestamps.local_time(entry["occurred_at"]),
        "操作者": entry["actor_label"],
        "園児": item["childName"],
        "日付": date.fromisoformat(item["date"]).strftime("%Y/%m/%d"),
        "操作": entry["action_label"],
        "変更内容": changes,
    }


def corrections_section(nursery_id: int) -> None:
    """The 監査ログ the record form speaks of: who recorded or cleared which child's day, before and after."""
    with st.expander("出席状態の記録の監査ログ", icon=":material/history:"):
        found = entry_logs_api.attendance_corrections(nursery_id, page_size=CORRECTIONS_SHOWN)
        if not found["items"]:
            st.caption("この園の出席状態の記録はまだありません。")
            return
        st.caption(f"全{found['total']:,}件中 新しい{len(found['items'])}件")
        st.dataframe(pd.DataFrame([correction_line(item) for item in found["items"]]), hide_index=True)


user = auth.require_page(__file__)
st.title("出欠表管理")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    view = st.segmented_control("表示", (DAY_VIEW, MONTH_VIEW), default=DAY_VIEW, key=f"{PAGE}_view") or DAY_VIEW
    picker = st.columns([1, 1, 2])
    with picker[1]:
        chosen_class = class_choice(nursery["id"])
    if view == MONTH_VIEW:
        with picker[0]:
            chosen_month = month_choice()
        month_view(nursery["id"], chosen_month, chosen_class)
    else:
        with picker[0]:
            chosen_day = st.date_input("日付", value=clock.today(), key=f"{PAGE}_date")
        live = REFRESH_SECONDS if chosen_day == clock.today() else None
        st.fragment(attendance_table, run_every=live)(nursery["id"], chosen_day, chosen_class)
        record_form(chosen_day)
    corrections_section(nursery["id"])
