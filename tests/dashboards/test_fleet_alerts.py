"""端末管理 › アラート一覧: SLA colours, the counts panel, acknowledge / assign / note / resolve through the forms."""

import re

import httpx
import pytest

from service.fleet.models import Alert
from tests.dashboards.conftest import button, cell_colours, open_page, texts, tick_rows
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal

ALERTS = "app_pages/fleet/alerts.py"


def add_alert(db, terminal, kind: str, *, minutes: int, **fields) -> Alert:
    fields.setdefault("message", "通信途絶")
    alert = Alert(
        terminal_id=terminal.id,
        customer_id=terminal.customer_id,
        alert_type=kind,
        created_at=ago(minutes=minutes),
        **fields,
    )
    db.add(alert)
    db.flush()
    return alert


@pytest.fixture
def alerts(db):
    """An offline alert 20 minutes old (初動確認 overdue), a fresh CPU alert, and one resolved in time."""
    customer = make_customer(db, "ABC商事")
    shinjuku, _ = make_terminal(db, customer, "TC-0001", store_name="新宿店")
    shibuya, _ = make_terminal(db, customer, "TC-0002", store_name="渋谷店")
    late = add_alert(db, shinjuku, "offline", minutes=20)
    fresh = add_alert(db, shibuya, "high_cpu", minutes=1, message="CPU使用率が95%です")
    add_alert(
        db,
        shibuya,
        "error",
        minutes=300,
        status="resolved",
        acknowledged_at=ago(minutes=298),
        resolved_at=ago(minutes=270),
        resolved_by="運用 一郎",
        reported_at=ago(minutes=268),
        reported_by="佐藤",
    )
    support = make_user(db, "support1", name="佐藤", grants={"fleet": "support"})
    db.commit()
    return late, fresh, support


def api_alert(live_api: str, user, alert_id: int) -> dict:
    return httpx.get(f"{live_api}/api/fleet/alerts/{alert_id}", headers=auth_headers(user)).json()


def test_the_list_colours_each_alert_by_its_sla(alerts, open_app):
    late, fresh, support = alerts

    at = open_page(open_app, support, ALERTS)

    assert [(m.label, m.value) for m in at.metric] == [
        ("未対応", "2件"),
        ("対応中", "0件"),
        ("SLA超過（未解決）", "1件"),
        ("SLA超過（完了報告の遅れを含む）", "1件"),
    ]
    table = at.dataframe[0]
    shown = table.value.assign(SLA色=cell_colours(table, "SLA"), 状態色=cell_colours(table, "状態"))
    rows = {row["ID"]: row for row in shown.to_dict("records")}
    assert rows[late.id]["SLA"].startswith("超過 初動確認（") and rows[late.id]["SLA色"] == "red"
    assert rows[fresh.id]["SLA"].startswith("間近 初動確認（残り") and rows[fresh.id]["SLA色"] == "orange"
    assert set(rows) == {late.id, fresh.id}  # the list opens on open alerts (未解決のみ)
    assert list(table.value.columns[:5]) == ["ID", "発生日時", "状態", "SLA", "担当者"]

    at.checkbox(key="fleet_alerts_open_only").uncheck().run()
    table = at.dataframe[0]
    shown = table.value.assign(SLA色=cell_colours(table, "SLA"), 状態色=cell_colours(table, "状態"))
    rows = {row["ID"]: row for row in shown.to_dict("records")}
    resolved = shown.iloc[-1]
    assert (resolved["SLA"], resolved["SLA色"]) == ("期限内に解決", "green")
    assert [(row["状態"], row["状態色"]) for row in rows.values()] == [
        ("未対応", "red"),
        ("未対応", "red"),
        ("解決済み", "green"),
    ]

    at.checkbox(key="fleet_alerts_overdue").check().run()
    assert at.dataframe[0].value["ID"].tolist() == [late.id]


def test_support_acknowledges_assigns_notes_and_resolves_through_the_forms(alerts, open_app, live_api):
    late, _, support = alerts
    at = open_page(open_app, support, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(late.id).run()
    assert (
        "**顧客連絡先**（ABC商事）　**担当者**: 田中　**電話番号**: 03\\-1234\\-5678　"
        "**連絡先メール**: tanaka@example\\.jp" in texts(at.markdown)
    )
    assert "リモート診断済み" not in [b.label for b in at.button]
    badges = [m for m in texts(at.markdown) if "-badge[" in m]
    assert badges[:3] == [":red-badge[未対応]", ":red-badge[初動確認: 期限超過]", ":red-badge[リモート診断: 期限超過]"]

    at = button(at, "初動確認").click().run()
    assert f"アラート #{late.id} に「初動確認」を記録しました。" in texts(at.success)
    acknowledged = api_alert(live_api, support, late.id)
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == ("acknowledged", "佐藤")

    at.selectbox(key=f"fleet_alerts_assignee_{late.id}").select(support.id)
    at = button(at, "担当者を設定").click().run()
    assert api_alert(live_api, support, late.id)["assignee_name"] == "佐藤"

    at = button(at, "メモを追加").click().run()
    assert texts(at.error) == ["対応メモを入力してください。"]
    at.text_area(key=f"fleet_alerts_note_{late.id}_0_body").input("店舗に電話、電源が抜けていた")
    at = button(at, "メモを追加").click().run()
    assert "対応メモを追加しました。" in texts(at.success)

    at.text_area(key=f"fleet_alerts_resolve_{late.id}_0_note").input("電源を接続し復旧を確認")
    at = button(at, "解決済みにする").click().run()

    assert f"アラート #{late.id} を解決済みにしました。" in texts(at.success)
    resolved = api_alert(live_api, support, late.id)
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "佐藤")
    notes = httpx.get(f"{live_api}/api/fleet/alerts/{late.id}/notes", headers=auth_headers(support)).json()
    assert [n["body"] for n in notes] == ["店舗に電話、電源が抜けていた", "電源を接続し復旧を確認"]
    assert "解決済みにする" not in [b.label for b in at.button]
    assert any(m.startswith(":blue-badge[完了報告: 残り1") for m in texts(at.markdown))  # 14 or 15 minutes

    at = button(at, "完了報告済み").click().run()

    assert f"アラート #{late.id} に「完了報告済み」を記録しました。" in texts(at.success)
    assert api_alert(live_api, support, late.id)["reported_by"] == "佐藤"
    assert "完了報告済み" not in [b.label for b in at.button]


def test_an_operator_records_the_remote_diagnosis(alerts, db, open_app, live_api):
    _, fresh, _ = alerts
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    at = open_page(open_app, operator, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(fresh.id).run()

    at = button(at, "リモート診断済み").click().run()

    diagnosed = api_alert(live_api, operator, fresh.id)
    assert (diagnosed["diagnosed_by"], diagnosed["acknowledged_by"]) == ("op1", "op1")
    assert "初動確認" not in [b.label for b in at.button]


def test_an_operator_hands_an_alert_to_another_staff_member(alerts, db, open_app, live_api):
    late, _, support = alerts
    operator = make_user(db, "op1", name="運用 一郎", grants={"fleet": "operator"})
    make_user(db, "viewer1", name="閲覧 四郎", grants={"fleet": "viewer"})
    db.commit()
    at = open_page(open_app, operator, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(late.id).run()
    assignee = at.selectbox(key=f"fleet_alerts_assignee_{late.id}")
    assert set(assignee.options) == {"未割り当て", "運用 一郎（自分）", "佐藤"}

    assignee.select(support.id)
    at = button(at, "担当者を設定").click().run()

    assert f"アラート #{late.id} の担当者を「佐藤」にしました。" in texts(at.success)
    assert api_alert(live_api, operator, late.id)["assignee_name"] == "佐藤"


def test_ticked_alerts_are_acknowledged_at_once_and_taken(alerts, open_app, live_api):
    late, fresh, support = alerts
    at = open_page(open_app, support, ALERTS)
    assert "行の左端のチェックで複数の行を選ぶと、まとめて操作できます（1回に500件まで）。" in texts(at.caption)

    at = tick_rows(at, [0, 1])
    assert "**選択中のアラート: 2件**" in texts(at.markdown)
    at.selectbox(key="fleet_alerts_bulk_action").select("acknowledge")
    at = button(at, "選択した行に実行").click().run()

    assert "2件のアラートに「初動確認」を実行しました。" in texts(at.success)
    for alert in (late, fresh):
        worked = api_alert(live_api, support, alert.id)
        assert (worked["status"], worked["assignee_name"]) == ("acknowledged", "佐藤")
    assert "行の左端のチェックで複数の行を選ぶと、まとめて操作できます（1回に500件まで）。" in texts(at.caption)


def test_a_saved_view_brings_its_filters_back(alerts, open_app):
    late, _, support = alerts
    at = open_page(open_app, support, ALERTS)
    at.checkbox(key="fleet_alerts_overdue").check().run()
    at.text_input(key="fleet_alerts_view_new_0_name").input("SLA超過だけ")
    at = button(at, "今の絞り込み条件を保存").click().run()
    assert "ビュー「SLA超過だけ」を保存しました。" in texts(at.success)

    at.checkbox(key="fleet_alerts_overdue").uncheck().run()
    assert len(at.dataframe[0].value) == 2
    at = button(at, "開く").click().run()

    assert at.checkbox(key="fleet_alerts_overdue").value is True
    assert at.dataframe[0].value["ID"].tolist() == [late.id]


def test_customer_contact_on_an_alert_says_what_the_customer_was_told_and_keeps_it_on_its_record(
    alerts, open_app, live_api
):
    late, _, support = alerts
    at = open_page(open_app, support, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(late.id).run()
    assert "顧客連絡済み" not in [b.label for b in at.button]  # a form, not a bare button
    contact = f"fleet_alerts_contact_{late.id}"

    at = button(at, "顧客連絡を記録").click().run()
    assert texts(at.error) == ["顧客への連絡内容を入力してください。"]
    assert api_alert(live_api, support, late.id)["customer_contacted_at"] is None
    at.text_area(key=f"{contact}_0_customer_contact").input("停電のため復旧待ちとお伝えした")
    at = button(at, "顧客連絡を記録").click().run()

    assert f"アラート #{late.id} に顧客連絡を記録しました。" in texts(at.success)
    assert at.text_area(key=f"{contact}_1_customer_contact").value == ""  # empty again for the next call
    contacted = api_alert(live_api, support, late.id)
    assert (contacted["status"], contacted["customer_contacted_by"]) == ("acknowledged", "佐藤")
    record = [line for line in texts(at.markdown) if line.startswith("- ") and "【" in line]
    assert [line.split(" 佐藤【", 1)[1] for line in record][-1] == "顧客への連絡内容】 停電のため復旧待ちとお伝えした"
    assert "**対応の記録**" in texts(at.markdown)
    badges = [line for line in texts(at.markdown) if "-badge[" in line]
    assert any(re.fullmatch(r":orange-badge\[初動確認: 完了 \d\d\\?:\d\d（佐藤・1\d分超過）\]", b) for b in badges)
    assert any(re.fullmatch(r":green-badge\[顧客連絡: 完了 \d\d\\?:\d\d（佐藤）\]", b) for b in badges)


def test_the_completion_report_has_no_countdown_before_the_fix(alerts, open_app):
    _, fresh, support = alerts
    at = open_page(open_app, support, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(fresh.id).run()

    badges = [line for line in texts(at.markdown) if "-badge[" in line]

    assert ":gray-badge[完了報告: 解決後に記録]" in badges
    assert not any(b.startswith(":blue-badge[完了報告") for b in badges)
    assert "期限 解決後15分以内" in texts(at.caption)


def test_a_store_alert_names_its_store_and_lists_its_terminals_with_their_states(db, open_app):
    customer = make_customer(db, "ABC商事")
    first, _ = make_terminal(db, customer, "TC-0101", store_name="新宿店 レジ1番", status="offline")
    make_terminal(db, customer, "TC-0102", store_name="新宿店 レジ2番", status="offline")
    make_terminal(db, customer, "TC-0103", store_name="新宿店 レジ3番", status="online")
    store_alert = add_alert(db, first, "store_offline", minutes=3, message="新宿店の端末3台がすべてオフライン")
    support = make_user(db, "support1", name="佐藤", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, ALERTS)
    row = at.dataframe[0].value.to_dict("records")[0]
    assert (row["設置店舗名"], row["シリアル番号"], row["種別"]) == ("新宿店", "", "店舗オフライン")

    at.selectbox(key="fleet_alerts_selected").select(store_alert.id).run()

    assert at.subheader[0].value == f"#{store_alert.id} ABC商事 - 新宿店: 店舗オフライン"
    assert not any("シリアル番号" in line for line in texts(at.markdown))
    assert "**この店舗の端末（3台）**" in texts(at.markdown)
    terminals = at.dataframe[1].value
    assert terminals[["シリアル番号", "設置店舗名", "状態"]].values.tolist() == [
        ["TC-0101", "新宿店 レジ1番", "オフライン"],
        ["TC-0102", "新宿店 レジ2番", "オフライン"],
        ["TC-0103", "新宿店 レジ3番", "オンライン"],
    ]
