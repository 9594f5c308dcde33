"""顧客一覧's quiet times of one customer: 営業時間 (silence outside them raises no alert until opening) and
定期メンテナンス (recurring windows whose held-back alerts are mailed when each ends)."""

from datetime import time

import pandas as pd
import streamlit as st

from dashboards import clock, fleet_api, formats, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.app_pages.fleet.common import field
from dashboards.components import writes

PAGE = "fleet_customers"
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
DEFAULT_OPEN, DEFAULT_CLOSE = time(9), time(21)


def hhmm(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def hours_text(customer: dict) -> str:
    """営業時間 as one line: 09:00〜21:00（定休日: 日）, or 24時間."""
    opens, closes = hhmm(customer.get("opens_at")), hhmm(customer.get("closes_at"))
    span = f"{opens:%H:%M}〜{closes:%H:%M}" if opens and closes else "24時間"
    closed = "・".join(WEEKDAYS[d] for d in customer.get("closed_weekdays") or [])
    return f"{span}（定休日: {closed}）" if closed else span


def business_hours_form(customer: dict) -> None:
    """Edit the customer's 営業時間 (Japan time); 24時間営業 clears both times."""
    key = f"{PAGE}_hours_{customer['id']}"
    st.markdown(f"**営業時間**（日本時間）: {hours_text(customer)}")
    with st.form(key):
        all_day = st.checkbox("24時間営業", value=not customer.get("opens_at"), key=f"{key}_all_day")
        left, right = st.columns(2)
        opens = left.time_input(
            field("customer", "opens_at").label, hhmm(customer.get("opens_at")) or DEFAULT_OPEN, key=f"{key}_open"
        )
        closes = right.time_input(
            field("customer", "closes_at").label, hhmm(customer.get("closes_at")) or DEFAULT_CLOSE, key=f"{key}_close"
        )
        closed = st.multiselect(
            field("customer", "closed_weekdays").label,
            list(range(7)),
            default=customer.get("closed_weekdays") or [],
            format_func=lambda d: WEEKDAYS[d],
            key=f"{key}_closed",
            placeholder="定休日なし",
            wrap=True,  # every tag whole: a choice is never cut short
        )
        submitted = st.form_submit_button("営業時間を保存")
    if not submitted:
        return
    hours = {
        "opens_at": None if all_day else f"{opens:%H:%M}",
        "closes_at": None if all_day else f"{closes:%H:%M}",
        "closed_weekdays": sorted(closed),
    }
    writes.act(
        PAGE,
        lambda: fleet_api.set_business_hours(customer["id"], hours),
        f"顧客「{labels.plain(customer['company_name'])}」の営業時間を保存しました。",
    )


def window_row(window: dict) -> dict:
    head = fleet_common.headers("maintenance_window")
    when = window["recurrence_label"]
    if window["weekday"] is not None:
        when += f"{WEEKDAYS[window['weekday']]}曜"
    return {
        "ID": window["id"],
        head["store_name"]: window["store_name"] or "全店舗",
        head["recurrence"]: when,
        "開始": window["start_time"][:5],
        head["duration_minutes"]: window["duration_minutes"],
        head["until"]: formats.day(window["until"]),
        head["reason"]: window["reason"],
    }


def window_name(window: dict) -> str:
    """「全店舗 毎週水曜 02:00〜（60分）」: a window as its row reads, for a picker."""
    row = window_row(window)
    head = fleet_common.headers("maintenance_window")
    return f"{row[head['store_name']]} {row[head['recurrence']]} {row['開始']}〜（{row[head['duration_minutes']]}分）"


def window_widths() -> dict[str, int]:
    """window_row's columns within fleet_common.TABLE_WIDTH_PX."""
    head = fleet_common.headers("maintenance_window")
    return {
        "ID": 60,
        head["store_name"]: 160,
        head["recurrence"]: 100,
        "開始": 70,
        head["duration_minutes"]: 90,
        head["until"]: 110,
        head["reason"]: 300,
    }


def windows_panel(customer: dict, *, may_edit: bool) -> None:
    """The customer's recurring maintenance windows; operators and admins add and delete them."""
    key = f"{PAGE}_windows_{customer['id']}"
    windows = fleet_api.maintenance_windows(customer["id"])
    st.markdown("**定期メンテナンス**（期間中のオフラインはアラートを保留し、終了時にまとめてメールします）")
    if windows:
        fleet_common.fitted_table(pd.DataFrame([window_row(w) for w in windows]), window_widths())
    else:
        st.caption("定期メンテナンスはありません。")
    if not may_edit:
        return
    if windows:
        names = {w["id"]: window_name(w) for w in windows}  # named in the run, which reads the words
        chosen = st.selectbox(
            "削除する定期メンテナンス",
            list(names),
            format_func=names.__getitem__,
            key=f"{key}_delete_pick",
        )
        if st.button("削除", key=f"{key}_delete"):
            writes.act(PAGE, lambda: fleet_api.delete_maintenance_window(chosen), "定期メンテナンスを削除しました。")
    new = f"{key}_new"
    with st.form(new):
        store_name = field("maintenance_window", "store_name")
        store = st.text_input(
            f"{store_name.label}（空欄で全店舗）", max_chars=store_name.max_chars, key=forms.key(new, "store")
        ).strip()
        left, middle, right = st.columns(3)
        recurrences = field("maintenance_window", "recurrence")
        recurrence = left.selectbox(
            recurrences.label,
            list(recurrences.choices),
            format_func=recurrences.choices.__getitem__,
            key=forms.key(new, "rec"),
        )
        weekday = middle.selectbox(
            f"{field('maintenance_window', 'weekday').label}（毎週のみ）",
            list(range(7)),
            format_func=lambda d: WEEKDAYS[d],
            key=forms.key(new, "wd"),
        )
        starts = right.time_input(
            field("maintenance_window", "start_time").label, time(22), key=forms.key(new, "start")
        )
        minutes = left.number_input(
            **field("maintenance_window", "duration_minutes").number(),
            value=60,
            key=forms.key(new, "minutes"),
        )
        until = middle.date_input(
            field("maintenance_window", "until").label, value=clock.today(), key=forms.key(new, "until")
        )
        reason = st.text_input(**field("maintenance_window", "reason").text(), key=forms.key(new, "reason")).strip()
        submitted = st.form_submit_button("定期メンテナンスを追加")
    if not submitted:
        return
    if not reason:
        st.error(field("maintenance_window", "reason").required_message())
        return
    window = {
        "customer_id": customer["id"],
        "store_name": store,
        "recurrence": recurrence,
        "weekday": weekday if recurrence == "weekly" else None,
        "start_time": f"{starts:%H:%M}",
        "duration_minutes": int(minutes),
        "until": until.isoformat(),
        "reason": reason,
    }
    writes.act(PAGE, lambda: fleet_api.create_maintenance_window(window), "定期メンテナンスを追加しました。", form=new)
