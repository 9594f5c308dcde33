"""端末管理 › 端末一覧 and 端末詳細: server-side filters, search and paging; charts, history and remote operations."""

import httpx
import pytest
from sqlalchemy import insert

from service.fleet.models import MetricHourly, MetricSample, Terminal, TerminalEvent
from tests.dashboards.conftest import button, cell_colours, open_page, texts, turn_page
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal

TERMINALS = "app_pages/fleet/terminals.py"
DETAIL = "app_pages/fleet/terminal.py"
MANY = 120


@pytest.fixture
def fleet(db):
    """120 terminals of ABC商事 (every 10th in error, on firmware 1.1.0 from the 60th) and one of XYZ商店."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    db.execute(
        insert(Terminal),
        [
            {
                "serial_number": f"ABC-{i:03d}",
                "customer_id": abc.id,
                "store_name": f"新宿{i}号店",
                "status": "error" if i % 10 == 0 else "online",
                "firmware_version": "1.1.0" if i >= 60 else "1.0.0",
            }
            for i in range(MANY)
        ],
    )
    make_terminal(db, xyz, "XYZ-001", store_name="渋谷店", status="offline")
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    return abc, xyz, operator


def test_the_list_pages_on_the_server(fleet, open_app):
    *_, operator = fleet
    at = open_page(open_app, operator, TERMINALS, state={"fleet_terminals_page_size": 50})

    assert "全121件中 1〜50件目" in texts(at.caption)
    assert len(at.dataframe[0].value) == 50
    assert set(at.dataframe[0].value["店舗PC CPU"]) == {"-"}, "never reported: no figure, not 0.0%"
    states = zip(at.dataframe[0].value["状態"], cell_colours(at.dataframe[0], "状態"), strict=True)
    assert set(states) == {("オンライン", "green"), ("エラー", "red")}
    turn_page(at, 3)

    assert "全121件中 101〜121件目" in texts(at.caption)
    assert at.dataframe[0].value["シリアル番号"].tolist()[-1] == "XYZ-001"


def test_filters_and_search_are_applied_by_the_api(fleet, open_app):
    _, xyz, operator = fleet
    at = open_page(open_app, operator, TERMINALS)

    at.selectbox(key="fleet_terminals_status").select("error").run()
    table = at.dataframe[0].value
    assert "全12件中 1〜12件目" in texts(at.caption)
    assert set(table["状態"]) == {"エラー"}

    at.text_input(key="fleet_terminals_firmware").input("1.1.0").run()
    assert at.dataframe[0].value["シリアル番号"].tolist() == [f"ABC-{i:03d}" for i in range(60, 120, 10)]

    at.selectbox(key="fleet_terminals_status").select("").run()
    at.text_input(key="fleet_terminals_firmware").input("").run()
    at.selectbox(key="fleet_terminals_customer").select(xyz.id).run()
    assert at.dataframe[0].value["シリアル番号"].tolist() == ["XYZ-001"]
    assert (at.dataframe[0].value["状態"].tolist(), cell_colours(at.dataframe[0], "状態")) == (["オフライン"], ["red"])

    at.selectbox(key="fleet_terminals_customer").select(None).run()
    at.text_input(key="fleet_terminals_q").input("新宿7号").run()
    assert at.dataframe[0].value["設置店舗名"].tolist() == ["新宿7号店"]


def test_a_customer_scoped_user_sees_only_their_customers_terminals(fleet, db, open_app):
    _, xyz, _ = fleet
    support = make_user(db, "support1", grants={"fleet": ("support", str(xyz.id))})
    db.commit()

    at = open_page(open_app, support, TERMINALS)

    assert at.dataframe[0].value["シリアル番号"].tolist() == ["XYZ-001"]
    assert at.selectbox(key="fleet_terminals_customer").options == ["すべて", "XYZ商店"]
    at.text_input(key="fleet_terminals_q").input("ABC").run()
    assert "該当するデータはありません。" in texts(at.info)


def test_the_list_links_to_the_detail_page(fleet, db, open_app):
    *_, operator = fleet
    at = open_page(open_app, operator, TERMINALS)
    at.text_input(key="fleet_terminals_q").input("XYZ").run()
    terminal_id = int(at.dataframe[0].value["ID"].iloc[0])

    at.selectbox(key="fleet_terminals_detail").select(terminal_id).run()

    link = at.main.get("page_link")[0].proto
    assert link.label == "XYZ-001 の端末詳細を開く"
    assert link.query_string == f"id={terminal_id}"


def test_an_operator_registers_a_terminal_after_the_form_checks_it(fleet, open_app, live_api):
    abc, _, operator = fleet
    at = open_page(open_app, operator, TERMINALS)
    at.selectbox(key="fleet_terminals_new_0_customer").select(abc.id).run()

    at.text_input(key="fleet_terminals_new_0_serial").input("bad serial!")
    at = button(at, "登録").click().run()
    assert texts(at.error) == [
        "シリアル番号: 形式が正しくありません（英数字で始まる、英数字と「_」「-」の1〜50文字で入力してください）",
        "設置店舗名は1〜100文字で入力してください。",
    ]

    at.text_input(key="fleet_terminals_new_0_serial").input("ABC-NEW")
    at.text_input(key="fleet_terminals_new_0_store").input("上野店 レジ2番")
    at = button(at, "登録").click().run()
    assert "端末「ABC\\-NEW」を登録しました。" in texts(at.success)
    found = httpx.get(f"{live_api}/api/fleet/terminals", params={"q": "ABC-NEW"}, headers=auth_headers(operator))
    assert [(t["store_name"], t["customer_id"]) for t in found.json()["items"]] == [("上野店 レジ2番", abc.id)]


@pytest.fixture
def watched(db):
    """One enrolled terminal with 24 h of samples, a week of hourly rollups, an event and an open alert."""
    customer = make_customer(db, "ABC商事")
    terminal, _ = make_terminal(
        db,
        customer,
        "TC-0001",
        status="online",
        cpu_usage=42.0,
        memory_usage=55.0,
        disk_usage=61.0,
        last_heartbeat_at=ago(minutes=3),
    )
    db.add_all(
        [
            MetricSample(terminal_id=terminal.id, recorded_at=ago(minutes=5 * n), cpu=20 + n, memory=50, disk=60)
            for n in range(1, 13)
        ]
    )
    db.add_all(
        [
            MetricHourly(
                terminal_id=terminal.id,
                hour=ago(hours=24 + h).replace(minute=0, second=0, microsecond=0),
                samples=12,
                cpu_min=10,
                cpu_avg=30,
                cpu_max=80,
                memory_min=40,
                memory_avg=50,
                memory_max=60,
                disk_min=60,
                disk_avg=60,
                disk_max=61,
            )
            for h in range(1, 6)
        ]
    )
    db.add(
        TerminalEvent(
            terminal_id=terminal.id, occurred_at=ago(minutes=30), level="error", kind="printer", message="用紙切れ"
        )
    )
    db.add(
        TerminalEvent(
            terminal_id=terminal.id, occurred_at=ago(minutes=40), level="info", kind="agent_started", message="起動"
        )
    )
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    return terminal, operator


def test_detail_shows_state_charts_and_history(watched, open_app):
    terminal, operator = watched

    at = open_page(open_app, operator, DETAIL, id=str(terminal.id))

    assert texts(at.title) == ["端末詳細"]
    assert "TC\\-0001（ABC商事 - 新宿店）" in texts(at.subheader)
    assert [(m.label, m.value) for m in at.metric] == [
        ("最終通信", "3分前"),
        ("店舗PC CPU使用率", "42.0%"),
        ("店舗PCメモリ使用率", "55.0%"),
        ("店舗PCディスク使用率", "61.0%"),
    ]
    assert "CPU・メモリ・ディスクは端末を接続した店舗PCの値です（TC-200本体の値ではありません）。" in texts(at.caption)
    assert len(at.get("plotly_chart")) == 3
    events = at.dataframe[0].value
    assert events[["レベル", "種類", "メッセージ"]].to_dict("records") == [
        {"レベル": "エラー", "種類": "printer", "メッセージ": "用紙切れ"},
        {"レベル": "情報", "種類": "エージェント起動", "メッセージ": "起動"},
    ]

    at.get("button_group")[0].set_value("7d").run()
    assert len(at.get("plotly_chart")) == 3
    assert "7日間・30日間は1時間ごとの平均と最大です。" in texts(at.caption)


def test_an_operator_sets_the_heartbeat_interval(watched, open_app, live_api):
    terminal, operator = watched
    at = open_page(open_app, operator, DETAIL, id=str(terminal.id))

    at.number_input(key=f"fleet_terminal_interval_seconds_{terminal.id}").set_value(120)
    at = button(at, "通信間隔を変更").click().run()

    assert "通信間隔を120秒に変更しました。端末の次回の通信で反映されます。" in texts(at.success)
    detail = httpx.get(f"{live_api}/api/fleet/terminals/{terminal.id}", headers=auth_headers(operator)).json()
    assert detail["interval_seconds"] == 120
    at = button(at, "通信間隔を変更").click().run()  # the same value again: nothing to send
    assert "変更はありません。" in texts(at.info)


def test_the_diagnostics_button_creates_a_command(watched, open_app, live_api):
    terminal, operator = watched
    at = open_page(open_app, operator, DETAIL, id=str(terminal.id))

    at.number_input(key="fleet_terminal_diagnostic_lines").set_value(200)
    at = button(at, "診断ログを取得").click().run()

    assert "診断ログの取得を依頼しました。端末の次回の通信で送られます。" in texts(at.success)
    commands = httpx.get(f"{live_api}/api/fleet/terminals/{terminal.id}/commands", headers=auth_headers(operator))
    assert [(c["type"], c["params"], c["status"]) for c in commands.json()] == [
        ("collect_diagnostics", {"max_lines": 200}, "pending")
    ]
    shown = next(frame.value for frame in at.dataframe if "種類" in frame.value.columns and "配信日時" in frame.value)
    assert shown[["種類", "状態"]].to_dict("records") == [{"種類": "診断ログ取得", "状態": "配信待ち"}]


def test_an_enrolment_code_is_shown_once_and_the_token_can_be_revoked(watched, open_app, live_api):
    terminal, operator = watched
    at = open_page(open_app, operator, DETAIL, id=str(terminal.id))

    at = button(at, "登録コードを発行").click().run()
    command = texts(at.code)[0]
    assert command.startswith("python -m agent enroll --code ")  # the code with the command that uses it
    code = command.removeprefix("python -m agent enroll --code ")
    assert len(code) == 14 and code.count("-") == 2

    assert button(at, "トークンを失効").disabled
    at.checkbox(key="fleet_terminal_revoke_ok").check().run()
    at = button(at, "トークンを失効").click().run()

    assert "端末トークンを失効させました。" in texts(at.success)
    detail = httpx.get(f"{live_api}/api/fleet/terminals/{terminal.id}", headers=auth_headers(operator)).json()
    assert detail["enrolled"] is False
    assert "トークンを失効" not in [b.label for b in at.button]


def test_support_reads_the_detail_without_the_operations(watched, db, open_app):
    terminal, _ = watched
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()

    at = open_page(open_app, support, DETAIL, id=str(terminal.id))

    assert len(at.get("plotly_chart")) == 3
    labels = [b.label for b in at.button]
    assert "診断ログを取得" not in labels and "登録コードを発行" not in labels


def test_another_customers_terminal_is_not_found(watched, db, open_app):
    terminal, _ = watched
    other = make_customer(db, "XYZ商店")
    scoped = make_user(db, "op2", grants={"fleet": ("operator", str(other.id))})
    db.commit()

    at = open_page(open_app, scoped, DETAIL, id=str(terminal.id))

    assert texts(at.warning) == ["指定された端末は見つかりません。端末一覧から選び直してください。"]
    assert not at.metric


def test_the_detail_page_finds_a_terminal_by_search(watched, open_app):
    terminal, operator = watched
    at = open_page(open_app, operator, DETAIL)
    assert texts(at.info) == ["端末一覧から端末を選ぶか、上の検索から端末を探してください。"]

    at.text_input(key="fleet_terminal_q").input("0001").run()
    at.selectbox(key="fleet_terminal_pick").select(terminal.id).run()

    assert at.query_params["id"] == str(terminal.id)
    assert "TC\\-0001（ABC商事 - 新宿店）" in texts(at.subheader)


def statuses(live_api: str, user, **filters: str) -> list[str]:
    listed = httpx.get(f"{live_api}/api/fleet/terminals", params=filters, headers=auth_headers(user)).json()
    return [terminal["status"] for terminal in listed["items"]]


def test_maintenance_on_everything_the_filters_select_asks_first_with_the_count(fleet, open_app, live_api):
    *_, operator = fleet
    at = open_page(open_app, operator, TERMINALS)
    at.selectbox(key="fleet_terminals_status").select("error").run()
    assert "全12件中 1〜12件目" in texts(at.caption)

    target = at.radio(key="fleet_terminals_bulk_target")
    assert target.options == ["条件に合う全件（12台）"]
    at.selectbox(key="fleet_terminals_bulk_action").select("maintenance_on")
    at = button(at, "実行").click().run()

    asked = "12台の端末で「メンテナンス開始」を実行します。よろしいですか？"
    assert any(text.startswith(asked) for text in texts(at.warning))
    assert set(statuses(live_api, operator, status="error")) == {"error"}, "nothing runs before the yes"
    at = button(at, "やめる").click().run()
    assert not any(text.startswith(asked) for text in texts(at.warning))
    assert len(statuses(live_api, operator, status="error")) == 12

    # asked again, and this time yes
    at.selectbox(key="fleet_terminals_bulk_action").select("maintenance_on")
    at = button(at, "実行").click().run()
    at = button(at, "12台で実行する").click().run()

    assert "12台の端末に「メンテナンス開始」を実行しました。" in texts(at.success)
    assert statuses(live_api, operator, status="maintenance") == ["maintenance"] * 12
    assert statuses(live_api, operator, status="error") == []


def test_an_action_that_stops_nothing_runs_on_the_chosen_rows_without_asking(fleet, open_app, live_api):
    *_, operator = fleet
    at = open_page(open_app, operator, TERMINALS)
    at.text_input(key="fleet_terminals_q").input("新宿7号").run()
    at.selectbox(key="fleet_terminals_bulk_action").select("maintenance_off")
    at = button(at, "実行").click().run()

    assert at.warning == [] or not any("よろしいですか" in text for text in texts(at.warning))
    assert "1台の端末に「メンテナンス終了」を実行しました。" in texts(at.success)


def test_an_operator_restarts_a_terminal_heard_from_now_after_ticking_the_box(watched, db, open_app, live_api):
    terminal, operator = watched
    at = open_page(open_app, operator, DETAIL, id=str(terminal.id))
    assert "再起動の間（1〜2分）、端末では決済できません。" in " ".join(texts(at.caption))
    assert button(at, "再起動").disabled
    at.checkbox(key="fleet_terminal_restart_ok").check().run()

    at = button(at, "再起動").click().run()  # its last heartbeat's deadline is not known: not heard from now
    assert any(text.startswith("この端末は通信していないため再起動できません") for text in texts(at.error))

    db.get(Terminal, terminal.id).offline_deadline_at = ago(minutes=-5)  # a heartbeat came in
    db.commit()
    at = button(at, "再起動").click().run()

    assert "再起動を依頼しました。端末の次回の通信で実行され、結果はコマンドの履歴とイベントに出ます。" in texts(
        at.success
    )
    commands = httpx.get(f"{live_api}/api/fleet/terminals/{terminal.id}/commands", headers=auth_headers(operator))
    assert [(c["type"], c["status"]) for c in commands.json()] == [("restart", "pending")]
    shown = next(frame.value for frame in at.dataframe if "種類" in frame.value.columns and "配信日時" in frame.value)
    assert shown[["種類", "状態"]].to_dict("records") == [{"種類": "再起動", "状態": "配信待ち"}]


def heard(db, customer, serial: str, status: str = "error") -> Terminal:
    """An enrolled terminal whose heartbeat came in just now."""
    return make_terminal(db, customer, serial, status=status, offline_deadline_at=ago(minutes=-5))[0]


def restarted(live_api: str, user, terminal_ids: list[int]) -> list[str]:
    return [
        c["type"]
        for i in terminal_ids
        for c in httpx.get(f"{live_api}/api/fleet/terminals/{i}/commands", headers=auth_headers(user)).json()
    ]


def test_restart_on_everything_the_filters_select_asks_with_the_count_and_redraws_at_a_new_one(db, open_app, live_api):
    customer = make_customer(db, "ABC商事")
    ids = [heard(db, customer, f"ERR-{i}").id for i in range(3)] + [heard(db, customer, "OK-1", "online").id]
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    at = open_page(open_app, operator, TERMINALS)
    at.selectbox(key="fleet_terminals_status").select("error").run()
    assert at.radio(key="fleet_terminals_bulk_target").options == ["条件に合う全件（3台）"]
    at.selectbox(key="fleet_terminals_bulk_action").select("restart")
    at = button(at, "実行").click().run()
    assert "3台の端末で「再起動」を実行します。よろしいですか？再起動の間（1〜2分）、端末では決済できません。" in texts(
        at.warning
    )

    ids.append(heard(db, customer, "ERR-NEW").id)  # a terminal falls into error before the yes
    db.commit()
    at = button(at, "3台で実行する").click().run()

    assert "条件に合う端末が確認した3台から4台に変わりました。件数を確かめてから実行し直してください" in texts(at.error)
    assert at.radio(key="fleet_terminals_bulk_target").options == ["条件に合う全件（4台）"], "redrawn at once"
    assert at.selectbox(key="fleet_terminals_bulk_action").value == "restart", "the person's choice kept"
    assert restarted(live_api, operator, ids) == [], "nothing changed"

    at = button(at, "実行").click().run()
    at = button(at, "4台で実行する").click().run()

    assert "4台の端末に「再起動」を実行しました。" in texts(at.success)
    assert restarted(live_api, operator, ids) == ["restart"] * 4, "the four in error; the online one not"
