"""入退管理 › 園情報編集: the entry-exit password set and cleared after the form's checks; admins add nurseries."""

from datetime import time

import httpx
from sqlalchemy import select

from service.entry_logs.models import Nursery
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.factories import make_user
from tests.service.entry_logs.world import STATION_PASSWORD

SETTINGS = "app_pages/entry_logs/settings.py"


def station_login(live_api: str, code: str, password: str) -> int:
    body = {"nurseryCode": code, "password": password}
    return httpx.post(f"{live_api}/api/auth/entry-exit-login", json=body).status_code


def enter_password(at, password: str, again: str, verb: str = "変更"):
    fields = {field.label: field for field in at.text_input}  # the form's round moves with each change
    fields["新しいパスワード"].input(password)
    fields["新しいパスワード（確認）"].input(again)
    return button(at, f"パスワードを{verb}").click().run()


def test_staff_change_the_password_after_the_form_checks_it(db, sakura, open_app, live_api):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    assert any("入退登録: 有効" in text for text in texts(at.markdown))

    at = enter_password(at, "short", "short")
    assert texts(at.error) == ["パスワードは8〜72文字で入力してください。"]
    at = enter_password(at, "long-enough-1", "long-enough-2")
    assert texts(at.error) == ["確認用のパスワードが一致しません。"]
    assert station_login(live_api, "sakura", "long-enough-1") == 401

    at = enter_password(at, "long-enough-1", "long-enough-1")

    assert texts(at.success) == [
        "入退パスワードを変更しました。入退登録端末では新しいパスワードで再度ログインしてください。"
    ]
    assert station_login(live_api, "sakura", "long-enough-1") == 200


def test_clearing_the_password_needs_a_tick_and_disables_entry_exit(db, sakura, open_app, live_api):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    assert button(at, "パスワードを解除").disabled

    at.checkbox(key="entry_logs_settings_clear_ok").check().run()
    at = button(at, "パスワードを解除").click().run()

    assert texts(at.success) == ["入退パスワードを解除しました。この園の入退登録は無効です。"]
    assert any("入退登録: 無効（パスワード未設定）" in text for text in texts(at.markdown))
    assert "パスワードを設定" in [b.label for b in at.button]
    db.refresh(sakura.nursery)
    assert sakura.nursery.entry_exit_password_hash is None
    db.commit()

    enter_password(at, "brand-new-pass", "brand-new-pass", verb="設定")
    assert station_login(live_api, "sakura", "brand-new-pass") == 200


def test_staff_rename_their_nursery_but_cannot_add_one(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    assert not [e for e in at.expander if e.label == "保育園を追加"]

    at.text_input(key=f"entry_logs_settings_name_{sakura.nursery.id}").input("さくら第二保育園")
    at = button(at, "保存").click().run()

    assert texts(at.success) == ["保育園名を「さくら第二保育園」にしました。"]
    assert "保育園: さくら第二保育園" in texts(at.caption)


def test_an_admin_adds_a_nursery_and_picks_it(db, sakura, open_app):  # noqa: F811
    admin = make_user(db, "el-admin", grants={"entry_logs": "admin"})
    db.commit()
    at = open_page(open_app, admin, SETTINGS)

    at.text_input(key="entry_logs_settings_new_0_code").input("bad code")
    at.text_input(key="entry_logs_settings_new_0_name").input("ひまわり保育園")
    at = button(at, "追加").click().run()
    assert texts(at.error) == ["保育園コード: 形式が正しくありません（英数字と「_」「-」で入力してください）"]

    at.text_input(key="entry_logs_settings_new_0_code").input("himawari")
    at = button(at, "追加").click().run()

    assert texts(at.success) == ["保育園「ひまわり保育園」を追加しました。"]
    picker = at.selectbox(key="entry_logs_settings_nursery")
    assert picker.options == ["ひまわり保育園", "さくら保育園"]
    created = db.scalar(select(Nursery.id).where(Nursery.code == "himawari"))
    db.commit()
    at = picker.select(created).run()
    assert any("入退登録: 無効（パスワード未設定）" in text for text in texts(at.markdown))


def test_a_nurserys_own_admin_runs_it_but_adds_no_nursery(db, sakura, open_app):  # noqa: F811
    head = make_user(db, "encho", grants={"entry_logs": ("admin", str(sakura.nursery.id))})
    db.commit()
    at = open_page(open_app, head, SETTINGS)

    assert not [e for e in at.expander if e.label == "保育園を追加"]
    assert "保育園: さくら保育園" in texts(at.caption)


def signed_in_station(live_api: str, station_id: str) -> dict[str, str]:
    body = {"nurseryCode": "sakura", "password": STATION_PASSWORD, "stationId": station_id}
    answer = httpx.post(f"{live_api}/api/auth/entry-exit-login", json=body)
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def renews(live_api: str, headers: dict[str, str]) -> bool:
    return httpx.post(f"{live_api}/api/auth/heartbeat", headers=headers).status_code == 200


def test_staff_sign_out_one_station_then_all_of_them(db, sakura, open_app, live_api):  # noqa: F811
    gate, hall = signed_in_station(live_api, "gate-tablet"), signed_in_station(live_api, "hall-tablet")
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    listed = at.dataframe[0].value
    assert {"gate-tablet", "hall-tablet"} <= set(listed["端末ID"])
    assert button(at, "選択した端末をログアウト").disabled

    picker = at.selectbox(key="entry_logs_settings_station")
    gate_session = next(option for option in picker.options if option.startswith("gate-tablet"))
    picker.select(gate_session).run()
    at = button(at, "選択した端末をログアウト").click().run()

    assert texts(at.success) == ["選択した入退登録端末をログアウトしました。その端末では再度ログインしてください。"]
    assert "gate-tablet" not in set(at.dataframe[0].value["端末ID"])
    assert not renews(live_api, gate) and renews(live_api, hall)

    at.checkbox(key="entry_logs_settings_sign_out_all_ok").check().run()
    at = button(at, "すべての端末をログアウト").click().run()
    assert texts(at.success) == ["この園の入退登録端末をすべてログアウトしました。パスワードは変わりません。"]
    assert "ログイン中の入退登録端末はありません。" in texts(at.caption)
    assert not renews(live_api, hall)


def test_staff_set_and_clear_the_closing_time_after_the_form_checks_it(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    field = f"entry_logs_settings_closing_time_{sakura.nursery.id}"

    at.text_input(key=field).input("18:3")
    at = button(at, "閉園時刻を保存").click().run()
    assert texts(at.error) == ["閉園時刻は「18:30」のように、24時間表記の HH:MM で入力してください。"]
    at.text_input(key=field).input("18:30")
    at = button(at, "閉園時刻を保存").click().run()
    assert texts(at.success) == ["閉園時刻を18:30にしました。"]
    assert db.scalar(select(Nursery.closing_time)) == time(18, 30)
    db.commit()

    at.text_input(key=field).input("")
    at = button(at, "閉園時刻を保存").click().run()
    assert texts(at.success) == ["閉園時刻の設定を解除しました。"]
    assert db.scalar(select(Nursery.closing_time)) is None
    db.commit()


def test_staff_choose_manual_mode_and_set_then_clear_the_forgotten_card_pin(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), SETTINGS)
    mode = at.radio(key=f"entry_logs_settings_entry_mode_choice_{sakura.nursery.id}")
    assert mode.value == "auto" and mode.options == [
        "自動（園内にいる方は「出」、いない方は「入」で記録）",
        "手動（入/出ボタンで選んだとおりに記録）",
    ]
    mode.set_value("manual")
    at = button(at, "入/出の判定を保存").click().run()
    assert texts(at.success) == ["入/出の判定を「手動（入/出ボタンで選んだとおりに記録）」にしました。"]
    assert db.scalar(select(Nursery.entry_mode)) == "manual"
    db.commit()

    fields = {field.label: field for field in at.text_input}
    fields["新しい暗証番号"].input("12a")
    fields["新しい暗証番号（確認）"].input("12a")
    at = button(at, "暗証番号を設定").click().run()
    assert texts(at.error) == ["暗証番号は数字4〜8桁にしてください。"]
    fields = {field.label: field for field in at.text_input}
    fields["新しい暗証番号"].input("2468")
    fields["新しい暗証番号（確認）"].input("2468")
    at = button(at, "暗証番号を設定").click().run()
    assert texts(at.success) == ["「カードを忘れた方」の暗証番号を設定しました。"]
    assert db.scalar(select(Nursery.station_pin_hash)) is not None
    db.commit()

    at.checkbox(key="entry_logs_settings_clear_pin_ok").check().run()
    at = button(at, "暗証番号を削除").click().run()
    assert texts(at.success) == ["「カードを忘れた方」の暗証番号を削除しました。"]
    assert db.scalar(select(Nursery.station_pin_hash)) is None
    db.commit()
