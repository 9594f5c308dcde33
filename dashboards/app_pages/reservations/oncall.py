"""予約 › 当番表 (§2.3.1 運営体制): who is on duty now (営業時間内 or オンコール), the next shifts and the public
holidays' (each list downloadable), the overrides (代番), and for operators the forms that set the rotation and add an
override. The rules (who may be on call, overlaps) are the service's; the forms check first what they can (a member,
a phone number, dates in order)."""

from datetime import date

import streamlit as st

from dashboards import auth, clock, formats, forms, labels, reservations_api
from dashboards.app_pages.reservations import common
from dashboards.components import exports, writes

PAGE = "reservations_oncall"
ROTATION = f"{PAGE}_rotation"
OVERRIDE = f"{PAGE}_override"  # the 代番を登録 form
WEEKDAYS = "月火水木金土日"
SHIFTS_EXPORT = "/reservations/on-call/shifts/export"
OVERRIDES_EXPORT = "/reservations/on-call/overrides/export"
HOLIDAYS_EXPORT = "/reservations/on-call/holidays/export"


def day_text(value: str) -> str:
    """2026/11/23（月）."""
    return f"{formats.day(value)}（{WEEKDAYS[date.fromisoformat(value).weekday()]}）"


def on_duty_now(schedule: dict) -> None:
    now = schedule["now"]
    st.subheader("現在の当番")
    if now["name"] is None:
        st.warning(
            "当番表が設定されていません。緊急・高の手動対応とCritical・Highのインシデントは誰にも呼び出されません。"
        )
        return
    columns = st.columns(3)
    columns[0].metric("当番", now["name"])
    columns[1].metric("区分", now["source_label"])
    columns[2].metric("時間帯", now["hours_label"])
    st.caption(f"呼び出し先: {labels.plain(formats.phone(now['phone']))}　当番日: {day_text(now['shift_day'])}")


def shift_row(shift: dict) -> dict:
    return {
        "当番日": day_text(shift["shift_day"]),
        "当番": shift["name"],
        "区分": shift["source_label"],
        "日中": shift["day_label"],
    }


def holiday_row(shift: dict) -> dict:
    head = common.headers("oncall_override")
    return shift_row(shift) | {head["note"]: shift["override_note"], head["created_by"]: shift["registered_by"]}


def override_row(override: dict) -> dict:
    head = common.headers("oncall_override")
    return {
        "ID": override["id"],
        "期間": f"{day_text(override['start_date'])}〜{day_text(override['end_date'])}",
        "代番": override["name"],
        head["note"]: override["note"],
        head["created_by"]: override["created_by"],
    }


def rotation_form(schedule: dict) -> None:
    """当番表の設定: the unit, the first day and the operators in order, each with the phone the page rings."""
    current = schedule["rotation"] or {"period": "week", "starts_on": clock.today().isoformat(), "members": []}
    known = {member["user_id"]: member for member in current["members"]}
    people = {p["id"]: p["name"] for p in reservations_api.assignees() if p["role"] == "operator"}
    period_field = common.field("oncall_rotation", "period")
    period = st.radio(
        period_field.label,
        list(period_field.choices),
        index=list(period_field.choices).index(current["period"]),
        format_func=period_field.choices.__getitem__,
        horizontal=True,
        key=f"{ROTATION}_period",
    )
    starts_on = st.date_input(
        common.field("oncall_rotation", "starts_on").label,
        value=date.fromisoformat(current["starts_on"]),
        format=formats.DATE_INPUT,
        key=f"{ROTATION}_starts_on",
    )
    chosen = st.multiselect(
        "当番のメンバー（選んだ順に交代）",
        list(people),
        default=[user_id for user_id in known if user_id in people],
        format_func=people.__getitem__,
        key=f"{ROTATION}_members",
        placeholder="運営担当者を選択",
    )
    members = [member_inputs(user_id, people[user_id], known.get(user_id, {})) for user_id in chosen]
    if st.button("当番表を保存", key=f"{ROTATION}_save", type="primary"):
        problems = rotation_problems(members)
        if problems:
            for problem in problems:
                st.error(problem)
            return
        sent = [{name: m[name] for name in ("user_id", "phone", "slack_user_id")} for m in members]
        body = {"period": period, "starts_on": starts_on.isoformat(), "members": sent}
        writes.act(PAGE, lambda: reservations_api.set_rotation(body), "当番表を保存しました。")


def member_inputs(user_id: int, name: str, member: dict) -> dict:
    phone_field = common.field("oncall_member", "phone")
    slack_field = common.field("oncall_member", "slack_user_id")
    left, right = st.columns(2)
    phone = left.text_input(
        f"{name}の{phone_field.label}",
        value=formats.phone(member.get("phone")),
        max_chars=phone_field.max_chars,
        key=f"{ROTATION}_phone_{user_id}",
        placeholder="090-1234-5678",
    ).strip()
    slack = right.text_input(
        f"{name}の{slack_field.label}",
        value=member.get("slack_user_id", ""),
        max_chars=slack_field.max_chars,
        key=f"{ROTATION}_slack_{user_id}",
        placeholder="U012AB3CD",
    ).strip()
    return {"user_id": user_id, "name": name, "phone": phone, "slack_user_id": slack}


def rotation_problems(members: list[dict]) -> list[str]:
    """What the service would refuse, said before sending: no member, a phone or Slack ID that breaks its rule."""
    if not members:
        return ["当番のメンバーを1人以上選んでください。"]
    phone_field = common.field("oncall_member", "phone")
    slack_field = common.field("oncall_member", "slack_user_id")
    problems = []
    for member in members:
        if not member["phone"] or not phone_field.matches(member["phone"]):
            problems.append(f"{member['name']}の{phone_field.pattern_message()}")
        if not slack_field.matches(member["slack_user_id"]):
            problems.append(f"{member['name']}の{slack_field.pattern_message()}")
    return problems


def override_form(schedule: dict) -> None:
    """代番を登録: a member covers the shifts of a range of days; the form starts empty again once saved."""
    members = {m["user_id"]: m["name"] for m in (schedule["rotation"] or {"members": []})["members"]}
    if not members:
        return
    with st.form(OVERRIDE):
        user_id = st.selectbox(
            common.field("oncall_override", "user_id").label,
            list(members),
            index=None,
            format_func=members.__getitem__,
            key=forms.key(OVERRIDE, "user"),
            placeholder="メンバーを選択",
        )
        left, right = st.columns(2)
        start = left.date_input(
            common.field("oncall_override", "start_date").label,
            value=clock.today(),
            format=formats.DATE_INPUT,
            key=forms.key(OVERRIDE, "start"),
        )
        end = right.date_input(
            common.field("oncall_override", "end_date").label,
            value=clock.today(),
            format=formats.DATE_INPUT,
            key=forms.key(OVERRIDE, "end"),
        )
        note = st.text_input(**common.field("oncall_override", "note").text(), key=forms.key(OVERRIDE, "note"))
        submitted = st.form_submit_button("代番を登録", type="primary")
    if not submitted:
        return
    if user_id is None:
        st.error(f"{common.field('oncall_override', 'user_id').label}を選んでください。")
        return
    if end < start:
        st.error(f"{common.field('oncall_override', 'end_date').label}は開始日以降にしてください。")  # as the service
        return
    body = {"user_id": user_id, "start_date": start.isoformat(), "end_date": end.isoformat(), "note": note.strip()}
    success = f"{members[user_id]}さんの代番（{formats.day(start)}〜{formats.day(end)}）を登録しました。"
    writes.act(PAGE, lambda: reservations_api.create_override(body), success, form=OVERRIDE)


def delete_override(overrides: list[dict]) -> None:
    shown = {o["id"]: f"{o['name']} {formats.day(o['start_date'])}〜{formats.day(o['end_date'])}" for o in overrides}
    chosen = st.selectbox(
        "削除する代番",
        list(shown),
        index=None,
        format_func=shown.__getitem__,
        key=f"{PAGE}_delete_id",
        placeholder="代番を選択",
    )
    if chosen is not None:
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_delete",
            confirm="この代番を削除します（その期間は当番表のとおりになります）",
            label="削除する",
            call=lambda: reservations_api.delete_override(chosen),
            success=f"代番（{shown[chosen]}）を削除しました。",
            icon=":material/delete:",
        )


user = auth.require_page(__file__)
st.title("当番表")
schedule = reservations_api.on_call()
st.caption(
    f"営業時間: {schedule['business_hours']}。営業時間外（夜間・土日祝）はオンコール当番が対応します。"
    f"当番の交代は毎日{schedule['handoff']}（週ごとの当番表は開始日の曜日の{schedule['handoff']}）。"
    "緊急・高の手動対応とCritical・Highのインシデントは当番をSMS・電話・Slackですぐに呼び出し（電話では1を押すと応答）、"
    "対応時間目標までに応答がなければ次の人を呼び出します。"
)
writes.show_flash(PAGE)
on_duty_now(schedule)
if schedule["upcoming"]:
    st.subheader("今後の当番（14日間）")
    st.dataframe([shift_row(shift) for shift in schedule["upcoming"]], hide_index=True)
    exports.csv_link(
        f"{PAGE}_shifts_csv", SHIFTS_EXPORT, {}, help=exports.CSV_HELP.format(total=len(schedule["upcoming"]))
    )
if schedule["holidays"]:
    st.subheader("祝日の当番（今後3か月）")
    st.dataframe([holiday_row(shift) for shift in schedule["holidays"]], hide_index=True)
    exports.csv_link(
        f"{PAGE}_holidays_csv", HOLIDAYS_EXPORT, {}, help=exports.CSV_HELP.format(total=len(schedule["holidays"]))
    )
st.subheader("代番")
if schedule["overrides"]:
    st.dataframe([override_row(o) for o in schedule["overrides"]], hide_index=True)
    exports.csv_link(
        f"{PAGE}_overrides_csv",
        OVERRIDES_EXPORT,
        {},
        help=exports.CSV_HELP.format(total=len(schedule["overrides"])),
    )
else:
    st.caption("登録された代番はありません。")
if common.may_operate(user):
    override_form(schedule)
    if schedule["overrides"]:
        delete_override(schedule["overrides"])
    with st.expander("当番表の設定", expanded=schedule["rotation"] is None):
        rotation_form(schedule)
