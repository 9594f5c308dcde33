"""入退管理 › 延長保育 (FE-LT-002): the month's extended care from the scans, per child (with the CSV for accounting)
and per day, its figures, and the nursery's standard hours and unit (a change applies from its start date: past
months keep their figures)."""

from datetime import date, time

import pandas as pd
import streamlit as st

from dashboards import auth, clock, entry_logs_api, formats, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import kpi, tables, timestamps, writes

PAGE = "entry_logs_care"
HOURS = f"{PAGE}_hours"  # the hours form
MONTHS_SHOWN = 13
UNITS = [10, 15, 30, 60]  # the units offered (the API takes 1 to 240 minutes)


def care_row(child: dict) -> dict:
    head = common.headers("child")
    return {
        head["name"]: child["childName"],
        head["class_name"]: child["className"],
        "延長保育日数": child["days"],
        "延長保育時間（分）": child["minutes"],
        "延長保育単位数": child["units"],
    }


def day_row(day: dict) -> dict:
    first, last = day["firstEntry"], day["lastExit"]
    return {
        "日付": date.fromisoformat(day["day"]).strftime("%Y/%m/%d"),
        common.headers("child")["name"]: day["childName"],
        "入園": timestamps.local_datetime(first).strftime("%H:%M") if first else "",
        "退出": timestamps.local_datetime(last).strftime("%H:%M") if last else "",
        "開園前（分）": day["minutesBefore"],
        "閉園後（分）": day["minutesAfter"],
        "延長保育時間（分）": day["minutes"],
        "単位数": day["units"],
    }


def figures(nursery_id: int, month: str) -> None:
    shown = entry_logs_api.care_figures(nursery_id, month)
    for column, figure in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            kpi.figure_card(figure)
    kpi.figures_stamp(shown)


def per_day(nursery_id: int, month: str, children: list[dict]) -> None:
    """The month's days with extended care: of one child, or of every child."""
    st.subheader("日ごと")
    names = {child["childId"]: child["childName"] for child in children}
    child_id = st.selectbox(
        "園児",
        [None, *names],
        key=f"{PAGE}_day_child",
        format_func=lambda i: labels.ALL_LABEL if i is None else names[i],
    )
    days = entry_logs_api.care_days(nursery_id, month, child_id)
    if days:
        st.dataframe(pd.DataFrame([day_row(day) for day in days]), hide_index=True)
    else:
        st.info("この月に延長保育はありません。")


def hours_errors(opening: time, closing: time) -> list[str]:
    return ["終了時刻は開始時刻より後にしてください。"] if opening >= closing else []


def hours(column: str) -> str:
    """A column of the nursery's hours in the vocabulary's words (適用開始日, 保育開始時刻, ...)."""
    return common.field("care_hours", column).label


def hours_section(nursery_id: int) -> None:
    """The hours in effect from each start date, and the form that sets them from a date of this month or later."""
    start_label = hours("effective_from")
    with st.expander("保育時間と延長保育の単位", icon=":material/schedule:"):
        known = entry_logs_api.care_hours(nursery_id)
        if known:
            rows = [
                {
                    start_label: h["effectiveFrom"].replace("-", "/"),
                    "保育時間": f"{h['openingTime']}〜{h['closingTime']}",
                    "単位": f"{h['unitMinutes']}分（切り上げ）",
                }
                for h in known
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        else:
            st.caption("保育時間が設定されていません。設定すると、その日から延長保育が計算されます。")
        st.caption(f"変更は{start_label}から反映されます。過去の月の計算は変わりません（{start_label}は今月以降）。")
        with st.form(HOURS):
            left, middle, right, unit_column = st.columns(4)
            start = left.date_input(start_label, value=clock.today(), key=forms.key(HOURS, "from"))
            opening = middle.time_input(hours("opening_time"), value=None, key=forms.key(HOURS, "opening"), step=300)
            closing = right.time_input(hours("closing_time"), value=None, key=forms.key(HOURS, "closing"), step=300)
            unit = unit_column.selectbox(hours("unit_minutes"), UNITS, index=2, key=forms.key(HOURS, "unit"))
            submitted = st.form_submit_button("設定する", type="primary")
    if not submitted:
        return
    if opening is None or closing is None:
        writes.show_errors([f"{hours('opening_time')}と{hours('closing_time')}を入力してください。"])
        return
    if writes.show_errors(hours_errors(opening, closing)):
        return
    body = {
        "effectiveFrom": start.isoformat(),
        "openingTime": opening.strftime("%H:%M"),
        "closingTime": closing.strftime("%H:%M"),
        "unitMinutes": unit,
    }
    done = f"{start:%Y/%m/%d}から保育時間を{body['openingTime']}〜{body['closingTime']}（{unit}分単位）にしました。"
    writes.act(PAGE, lambda: entry_logs_api.set_care_hours(nursery_id, body), done, form=HOURS)


user = auth.require_page(__file__)
st.title("延長保育")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    chosen = st.columns([1, 3])[0].selectbox(
        "対象月",
        formats.recent_months(clock.today(), MONTHS_SHOWN),
        key=f"{PAGE}_month",
        format_func=formats.month_label,
    )
    st.caption(
        "開園前の入園と閉園後の退出の時刻から、園児ごと・日ごとに延長保育の分数を計算し、日ごとに単位へ切り上げます"
        "（欠席を登録した日は含みません。スキャン漏れは「入退管理ログ」の再登録で訂正できます）。"
    )
    figures(nursery["id"], chosen)
    st.subheader("園児ごと（月）")
    page = tables.paginated_table(
        PAGE,
        entry_logs_api.care_month,
        care_row,
        filters={"nurseryId": nursery["id"], "month": chosen},
        export="/entry-logs/extended-care/export",
        note=f"（{formats.month_label(chosen)}、会計システム用のCSVは1園児1行）",
    )
    if not page["hasHours"]:
        st.warning("この月の保育時間が設定されていないため、延長保育を計算できません。下で設定してください。")
    per_day(nursery["id"], chosen, page["items"])
    hours_section(nursery["id"])
