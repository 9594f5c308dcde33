"""代替機 › 一括ステータス変更: choose devices (by search, by location, or by scanning their QR codes one after
another), answer the status form once, and each device gets its own submission: all of them or, when one cannot
take the answers, none (the API names that device).

Scanning: a hardware scanner or a phone's scanning keyboard types the QR code (the address of the device's status
form, ?device=<id>) or the 拠点管理番号 into the scan field and ends it with Enter; each adds a device. A phone's
camera opens each QR code as the device's status form, whose 「一括変更に追加」 adds it: the chosen devices are kept
on the server per person, so they add up across pages and devices.
"""

import re
from collections import Counter

import pandas as pd
import streamlit as st

from dashboards import api, auth, labels, loaners_api
from dashboards.app_pages.loaners import answers as loaners_answers
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.components import writes

PAGE = "loaners_bulk"
SCAN = f"{PAGE}_scan"
NOTE = f"{PAGE}_note"
ERRORS_KEY = loaners_answers.errors_key(PAGE)
QR_DEVICE = re.compile(r"[?&]device=(\d+)")
SEARCH_LIMIT = 100


def chosen() -> dict[int, dict]:
    """Device id -> the device, in the order chosen (the person's list on the server)."""
    return {device["id"]: device for device in loaners_api.bulk_picks()}


def add(devices: list[dict]) -> None:
    for device in devices:
        loaners_api.add_bulk_pick(device["id"])


def find(code: str) -> dict | None:
    """The device a scanned QR code (its status form's address) or a typed 拠点管理番号 names, in the user's 管轄."""
    match = QR_DEVICE.search(code)
    if match:
        try:
            return loaners_api.get_device(int(match.group(1)))
        except api.ApiError:
            return None
    found = loaners_api.list_devices(q=code, page_size=20)["items"]
    return next((device for device in found if device["management_number"] == code), None)


def scanned() -> None:
    """The scan field's Enter: add the device it names and empty the field for the next scan."""
    code = st.session_state.get(SCAN, "").strip()
    st.session_state[SCAN] = ""
    if not code:
        return
    device = find(code)
    if device is None:
        st.session_state[NOTE] = ("error", f"「{labels.plain(code)}」の機器が見つかりません。")
        return
    add([device])
    number = labels.plain(device["management_number"])
    st.session_state[NOTE] = ("success", f"{number} を追加しました（選択中 {len(chosen())}台）。")


def scan_field() -> None:
    st.text_input(
        "QRコードを読み取る・拠点管理番号を入力",
        key=SCAN,
        on_change=scanned,
        placeholder="読み取るとEnterで追加されます",
        help="機器ラベルのQRコード（ステータス送信のアドレス）か拠点管理番号を入力してEnterを押すと選択に加わります。",
    )
    kind, text = st.session_state.pop(NOTE, (None, ""))
    if kind == "error":
        st.error(text)
    elif kind == "success":
        st.success(text)


def search() -> None:
    """Devices found by part of the 拠点管理番号 and/or a location, added chosen or all at once."""
    with st.expander("検索・拠点で選ぶ"):
        query = st.text_input("拠点管理番号の一部", key=f"{PAGE}_q").strip()
        location = loaners_common.location_select("拠点", f"{PAGE}_location")
        if not query and not location:
            return
        found = loaners_api.list_devices(q=query or None, location_id=location or None, page_size=SEARCH_LIMIT)
        devices = {device["id"]: device for device in found["items"]}
        st.caption(
            f"該当 {found['total']:,}台" + (f"（先頭{SEARCH_LIMIT}台を表示）" if found["total"] > SEARCH_LIMIT else "")
        )
        picked = st.multiselect(
            "追加する機器",
            list(devices),
            key=f"{PAGE}_picked",
            format_func=lambda device_id: devices[device_id]["management_number"],
            placeholder="機器を選択",
            wrap=True,  # every tag whole: a choice is never cut short
        )
        left, right = st.columns(2)
        if left.button("選んだ機器を追加", key=f"{PAGE}_add_picked", disabled=not picked, use_container_width=True):
            add([devices[device_id] for device_id in picked])
            st.rerun()
        if right.button(
            f"表示中の{len(devices)}台をすべて追加",
            key=f"{PAGE}_add_all",
            disabled=not devices,
            use_container_width=True,
        ):
            add(list(devices.values()))
            st.rerun()


def selection(picks: dict[int, dict]) -> None:
    devices = list(picks.values())
    st.subheader(f"選択中の機器（{len(devices)}台）")
    if not devices:
        st.info("QRコードを読み取るか、検索して機器を選んでください。")
        return
    head, model = loaners_common.headers("device"), loaners_common.headers("model")["name"]
    frame = pd.DataFrame(
        [
            {
                head["management_number"]: d["management_number"],
                head["kind"]: d["kind_label"],
                model: d["model_name"],
                head["location_id"]: d["location_name"],
                "現在のステータス": d["status"] or "",
            }
            for d in devices
        ]
    )
    st.dataframe(frame, hide_index=True, use_container_width=True)
    numbers = {d["id"]: d["management_number"] for d in devices}
    left, right = st.columns(2)
    removed = left.selectbox(
        "選択から外す",
        list(numbers),
        index=None,
        key=f"{PAGE}_remove",
        format_func=lambda device_id: numbers.get(device_id, ""),
        placeholder="機器を選択",
    )
    if removed is not None:
        loaners_api.remove_bulk_pick(removed)
        st.session_state.pop(f"{PAGE}_remove", None)
        st.rerun()
    if right.button("選択をすべて外す", key=f"{PAGE}_clear", use_container_width=True):
        loaners_api.clear_bulk_picks()
        st.rerun()


def common_form(user: dict, picks: dict[int, dict]) -> tuple[dict, str] | None:
    """The form of the chosen devices' kind (the most chosen one when they differ), 担当者 filled with the user."""
    kinds = Counter(d["kind"] for d in picks.values())
    if not kinds:
        return None
    kind = kinds.most_common(1)[0][0]
    if len(kinds) > 1:
        st.warning("種別の違う機器が含まれています。回答がフォームに合わない機器があると、どの機器も変更されません。")
    form = loaners_api.form(kind)
    prefix = f"{PAGE}_{kind}"
    person = next(q for q in form["questions"] if q["key"] == form["person_key"])
    st.session_state.setdefault(loaners_answers.widget_key(prefix, person), user["name"])
    return form, prefix


def send(form: dict, answers: dict[str, str], picks: dict[int, dict]) -> None:
    def submit(given: dict[str, str]) -> str:
        stored = loaners_api.bulk_submit(list(picks), given)
        return f"{len(stored)}台のステータスを変更しました（機器ごとに回答を記録しました）。"

    loaners_answers.send_checked(PAGE, form, answers, submit)


user = auth.require_page(__file__)
st.title("一括ステータス変更")
writes.show_flash(PAGE)
st.caption("選んだ機器それぞれに同じ回答を記録します。1台でも記録できない機器があると、どの機器も変更しません。")
scan_field()
search()
picks = chosen()
selection(picks)
loaded = common_form(user, picks)
if loaded is None:
    st.stop()
common, prefix = loaded
st.subheader("共通の回答")
answers = loaners_answers.questions(prefix, common, st.session_state.get(ERRORS_KEY, {}))
if st.button(
    f"{len(picks)}台のステータスを変更",
    type="primary",
    key=f"{PAGE}_submit",
    use_container_width=True,
    icon=":material/send:",
):
    send(common, answers, picks)
