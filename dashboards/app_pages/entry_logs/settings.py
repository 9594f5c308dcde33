"""入退管理 › 園情報編集: the nursery's name and closing time, how its stations decide 入/出 (自動 or 手動), the PIN of
the stations' 「カードを忘れた方」, entry-exit password (set, change, clear) and signed-in stations (sign one or all
out); admins add nurseries."""

import re

import pandas as pd
import streamlit as st

from dashboards import auth, entry_logs_api, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import pickers, tables, timestamps, writes

PAGE = "entry_logs_settings"
STATION_PICKER = f"{PAGE}_station"
NEW = f"{PAGE}_new"  # the 保育園を追加 form


def password_limits() -> tuple[int, int]:
    """The API's shortest and longest entry-exit password."""
    rules = entry_logs_api.rules()
    return rules["passwordMin"], rules["passwordMax"]


def password_errors(password: str, repeated: str) -> list[str]:
    """The API's password rule (passwordMin-passwordMax characters), and the two entries must match."""
    errors = []
    low, high = password_limits()
    if not low <= len(password) <= high:
        errors.append(f"パスワードは{low}〜{high}文字で入力してください。")
    if password != repeated:
        errors.append("確認用のパスワードが一致しません。")
    return errors


def overview(nursery: dict) -> None:
    enabled = nursery["entryExitEnabled"]
    state = ":green-badge[入退登録: 有効]" if enabled else ":gray-badge[入退登録: 無効（パスワード未設定）]"
    st.markdown(f"**{labels.plain(nursery['name'])}**　保育園コード: `{nursery['code']}`　{state}")
    st.caption(
        "入退登録端末は、保育園コードとこのパスワードでログインします（パスワードが未設定の園では入退登録を利用できません）。"
    )


def rename_form(nursery: dict) -> None:
    with st.form(f"{PAGE}_rename_{nursery['id']}"):
        name = st.text_input(
            **common.field("nursery", "name").text(), value=nursery["name"], key=f"{PAGE}_name_{nursery['id']}"
        ).strip()
        submitted = st.form_submit_button("保存")
    if not submitted or writes.show_errors(common.name_errors(name, common.field("nursery", "name").label)):
        return
    writes.act(
        PAGE,
        lambda: entry_logs_api.rename_nursery(nursery["id"], name),
        f"保育園名を「{labels.plain(name)}」にしました。",
        changed=name != nursery["name"],
    )


def closing_time_errors(value: str) -> list[str]:
    """The API's rule for a closing time: HH:MM (24-hour), or empty for none."""
    if value and not re.fullmatch(entry_logs_api.rules()["hourMinutePattern"], value):
        closing = common.field("nursery", "closing_time").label
        return [f"{closing}は「18:30」のように、24時間表記の HH:MM で入力してください。"]
    return []


def closing_time_form(nursery: dict) -> None:
    """The closing time: after it, parents still inside are 退出記録なし and the admins get one e-mail a day."""
    current = nursery["closingTime"] or ""
    with st.form(f"{PAGE}_closing_{nursery['id']}"):
        value = st.text_input(
            common.field("nursery", "closing_time").label,
            value=current,
            key=f"{PAGE}_closing_time_{nursery['id']}",
            max_chars=len("HH:MM"),
            placeholder="例: 18:30",
            help="この時刻を過ぎても園内にいる保護者は「退出記録なし」と表示され、管理者にメールで1日1回知らせます。"
            "空欄にすると設定を解除します。",
        ).strip()
        submitted = st.form_submit_button("閉園時刻を保存")
    if not submitted or writes.show_errors(closing_time_errors(value)):
        return
    writes.act(
        PAGE,
        lambda: entry_logs_api.set_closing_time(nursery["id"], value or None),
        f"閉園時刻を{value}にしました。" if value else "閉園時刻の設定を解除しました。",
        changed=value != current,
    )


def entry_mode_form(nursery: dict) -> None:
    """自動 (the person's state today decides 入/出) or 手動 (the station's button does)."""
    mode = common.field("nursery", "entry_mode")
    with st.form(f"{PAGE}_entry_mode_{nursery['id']}"):
        chosen = st.radio(
            mode.label,
            list(mode.choices),
            index=list(mode.choices).index(nursery["entryMode"]),
            format_func=lambda code: mode.choices[code],
            key=f"{PAGE}_entry_mode_choice_{nursery['id']}",
            help="自動では、入退登録端末のボタンの選択にかかわらず、その日すでに園内にいる方のスキャンは「出」、"
            "いない方は「入」として記録します。",
        )
        submitted = st.form_submit_button("入/出の判定を保存")
    if submitted:
        writes.act(
            PAGE,
            lambda: entry_logs_api.set_entry_mode(nursery["id"], chosen),
            f"入/出の判定を「{mode.choices[chosen]}」にしました。",
            changed=chosen != nursery["entryMode"],
        )


def pin_errors(pin: str, repeated: str) -> list[str]:
    """The API's rule for the PIN (its pattern), and the two entries must match."""
    rules = entry_logs_api.rules()
    digits = f"{rules['stationPinMin']}〜{rules['stationPinMax']}"
    errors = [] if re.fullmatch(rules["stationPinPattern"], pin) else [f"暗証番号は数字{digits}桁にしてください。"]
    if pin != repeated:
        errors.append("確認用の暗証番号が一致しません。")
    return errors


def pin_form(nursery: dict) -> None:
    """The PIN staff unlock a station's 「カードを忘れた方」 with: set, change or clear."""
    verb = "変更" if nursery["stationPinSet"] else "設定"
    form = f"{PAGE}_pin_{nursery['id']}"
    rules = entry_logs_api.rules()
    longest = rules["stationPinMax"]
    with st.form(form):
        pin = st.text_input(
            "新しい暗証番号",
            type="password",
            key=forms.key(form, "new"),
            max_chars=longest,
            help=f"数字{rules['stationPinMin']}〜{longest}桁",
        )
        repeated = st.text_input(
            "新しい暗証番号（確認）", type="password", key=forms.key(form, "again"), max_chars=longest
        )
        submitted = st.form_submit_button(f"暗証番号を{verb}", icon=":material/pin:")
    if submitted and not writes.show_errors(pin_errors(pin, repeated)):
        writes.act(
            PAGE,
            lambda: entry_logs_api.set_station_pin(nursery["id"], pin),
            f"「カードを忘れた方」の暗証番号を{verb}しました。",
            form=form,
        )
    if nursery["stationPinSet"]:
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_clear_pin",
            confirm="暗証番号を削除して「カードを忘れた方」を使えなくする",
            label="暗証番号を削除",
            call=lambda: entry_logs_api.clear_station_pin(nursery["id"]),
            success="「カードを忘れた方」の暗証番号を削除しました。",
            icon=":material/lock_reset:",
        )
    else:
        st.caption("暗証番号を設定すると、入退登録端末の「カードを忘れた方」で職員が保護者を探して入退を記録できます。")


def password_form(nursery: dict) -> None:
    verb = "変更" if nursery["entryExitEnabled"] else "設定"
    low, high = password_limits()
    form = f"{PAGE}_password_{nursery['id']}"
    with st.form(form):
        password = st.text_input(
            "新しいパスワード", type="password", key=forms.key(form, "new"), max_chars=high, help=f"{low}〜{high}文字"
        )
        repeated = st.text_input(
            "新しいパスワード（確認）", type="password", key=forms.key(form, "again"), max_chars=high
        )
        submitted = st.form_submit_button(f"パスワードを{verb}", type="primary", icon=":material/key:")
    if submitted and not writes.show_errors(password_errors(password, repeated)):
        writes.act(
            PAGE,
            lambda: entry_logs_api.set_password(nursery["id"], password),
            f"入退パスワードを{verb}しました。入退登録端末では新しいパスワードで再度ログインしてください。",
            form=form,
        )
    if nursery["entryExitEnabled"]:
        st.caption(f"{verb}すると、ログイン中の入退登録端末はログアウトされます。")


def clear_panel(nursery: dict) -> None:
    if not nursery["entryExitEnabled"]:
        return
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_clear",
        confirm="パスワードを解除して入退登録を無効にする",
        label="パスワードを解除",
        call=lambda: entry_logs_api.clear_password(nursery["id"]),
        success="入退パスワードを解除しました。この園の入退登録は無効です。",
        icon=":material/key_off:",
        help="解除すると、この園の入退登録端末はログアウトされ、スキャンできなくなります。",
    )


def station_label(station: dict) -> str:
    """A station as its sign-in shows it: its name (or id), address and sign-in time."""
    shown = station["stationName"] or station["stationId"] or "（端末ID なし）"
    return f"{shown}　{station['clientAddress'] or '-'}　{timestamps.local_time(station['signedInAt'])} ログイン"


def name_station_form(nursery: dict, station: dict) -> None:
    """The name the logs and their download show the station by."""
    name_field = common.field("station_name", "name")
    with st.form(f"{PAGE}_station_name"):
        name = st.text_input(
            name_field.label,
            value=station["stationName"] or "",
            max_chars=name_field.max_chars,
            placeholder="例: 正門",
            help="入退管理ログとそのダウンロードに、端末をこの名前で表示します。",
        ).strip()
        submitted = st.form_submit_button("端末名を保存")
    if not submitted:
        return
    if writes.show_errors(common.name_errors(name, name_field.label)):
        return
    writes.act(
        PAGE,
        lambda: entry_logs_api.name_station(nursery["id"], station["stationId"], name),
        f"端末名を「{labels.plain(name)}」にしました。",
    )


def stations_panel(nursery: dict) -> None:
    """The signed-in scan stations, and signing out one of them or all of them (the password stays)."""
    stations = entry_logs_api.signed_in_stations(nursery["id"])
    if not stations:
        st.caption("ログイン中の入退登録端末はありません。")
        return
    names = common.headers("station_name")
    rows = [
        {
            names["name"]: station["stationName"] or "-",
            names["station_id"]: station["stationId"] or "-",
            "IPアドレス": station["clientAddress"] or "-",
            "ログイン日時": timestamps.local_time(station["signedInAt"]),
            "最終確認": timestamps.relative_time(station["lastSeenAt"]),
        }
        for station in stations
    ]
    tables.record_table(f"{PAGE}_stations", pd.DataFrame(rows), stations, picker=STATION_PICKER)
    chosen = pickers.record_picker(
        "端末（名前の設定・ログアウト）",
        {station["id"]: station_label(station) for station in stations},
        STATION_PICKER,
        placeholder="端末を選択",
    )
    by_id = {station["id"]: station for station in stations}
    if chosen is not None and by_id[chosen]["stationId"]:
        name_station_form(nursery, by_id[chosen])
    if st.button("選択した端末をログアウト", key=f"{PAGE}_sign_out_one", disabled=chosen is None):
        writes.act(
            PAGE,
            lambda: entry_logs_api.sign_out_station(nursery["id"], chosen),
            "選択した入退登録端末をログアウトしました。その端末では再度ログインしてください。",
        )
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_sign_out_all",
        confirm="この園のすべての入退登録端末をログアウトさせる",
        label="すべての端末をログアウト",
        call=lambda: entry_logs_api.sign_out_stations(nursery["id"]),
        success="この園の入退登録端末をすべてログアウトしました。パスワードは変わりません。",
        icon=":material/logout:",
        help="紛失・盗難時など、パスワードを変えずに端末のログインを終わらせます。",
    )


def create_errors(code: str, name: str, password: str) -> list[str]:
    rules = entry_logs_api.rules()
    limit = rules["nurseryCodeMax"]
    code_field = common.field("nursery", "code")
    errors = code_field.pattern_problems(code) if code else [code_field.required_message()]
    if len(code) > limit:
        errors.append(f"{code_field.label}は{limit}文字以内で入力してください。")
    errors += common.name_errors(name, common.field("nursery", "name").label)
    if password:
        errors += password_errors(password, password)
    return errors


def create_form() -> None:
    rules = entry_logs_api.rules()
    with st.expander("保育園を追加", icon=":material/add_home:"):
        with st.form(f"{PAGE}_create"):
            code = st.text_input(
                **common.field("nursery", "code").text(), key=forms.key(NEW, "code"), placeholder="例: sakura"
            ).strip()
            name = st.text_input(
                **common.field("nursery", "name").text(), key=forms.key(NEW, "name"), placeholder="例: さくら保育園"
            ).strip()
            password = st.text_input(
                "入退パスワード（任意）",
                type="password",
                key=forms.key(NEW, "password"),
                max_chars=rules["passwordMax"],
                help="後から設定することもできます。",
            )
            submitted = st.form_submit_button("追加", type="primary")
    if submitted and not writes.show_errors(create_errors(code, name, password)):
        data = {"code": code, "name": name, "entryExitPassword": password or None}
        writes.act(
            PAGE,
            lambda: entry_logs_api.create_nursery(data),
            f"保育園「{labels.plain(name)}」を追加しました。",
            form=NEW,
        )


user = auth.require_page(__file__)
st.title("園情報編集")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    overview(nursery)
    columns = st.columns(2, gap="large")
    with columns[0]:
        st.subheader("園の情報")
        rename_form(nursery)
        closing_time_form(nursery)
        entry_mode_form(nursery)
    with columns[1]:
        st.subheader("入退パスワード")
        password_form(nursery)
        clear_panel(nursery)
        st.subheader("「カードを忘れた方」の暗証番号")
        pin_form(nursery)
    st.subheader("ログイン中の入退登録端末")
    stations_panel(nursery)
if common.may_add_nurseries(user):
    create_form()
