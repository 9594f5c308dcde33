"""予約 › 提携店舗・サービス管理, インシデント and MCPクライアント through their forms; support reads the catalogue;
executives read the incidents with their overdue flags."""

from datetime import timedelta

from service.database import session_scope, utcnow
from service.reservations.models import Incident, McpClient, Shop
from tests.dashboards.conftest import button, cell_colours, csv_link_rows, open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import catalog, count, sandbox  # noqa: F401  (fixtures)

CATALOG = "app_pages/reservations/catalog.py"
INCIDENTS = "app_pages/reservations/incidents.py"
CLIENTS = "app_pages/reservations/clients.py"


def test_an_operator_adds_a_shop_and_exports_the_csv(catalog, db, open_app):  # noqa: F811
    operator = person(db, "operator")
    at = open_page(open_app, operator, CATALOG)
    assert at.dataframe[0].value["店舗名"].tolist() == ["提携店1", "提携店2", "提携店3"]
    key = "reservations_catalog_new_shop_0"
    at.text_input(key=f"{key}_name").input("新宿クリーン")
    at.text_input(key=f"{key}_phone").input("03-1234-5678")
    at.multiselect(key=f"{key}_services").select(catalog["service_id"])
    at.number_input(key=f"{key}_order").set_value(4)
    button(at, "提携店舗を追加").click().run()

    assert texts(at.success) == ["「新宿クリーン」を追加しました。"]
    assert at.dataframe[0].value["店舗名"].tolist()[-1] == "新宿クリーン"
    assert at.dataframe[0].value["電話番号"].tolist()[-1] == "03-1234-5678"  # stored +81312345678, shown as dialled
    assert [row[0] for row in csv_link_rows(at, operator)[1:]] == ["提携店1", "提携店2", "提携店3", "新宿クリーン"]


def test_a_shops_phone_is_edited_as_dialled_and_unchanged_stays_unchanged(catalog, db, open_app):  # noqa: F811
    shop_id = catalog["shop_ids"][0]
    with session_scope() as session:
        session.get(Shop, shop_id).phone = "+819012345678"
    at = open_page(open_app, person(db, "operator"), CATALOG)
    at.selectbox(key="reservations_catalog_shop_selected").select(shop_id).run()
    key = f"reservations_catalog_edit_shop_{shop_id}"

    assert at.text_input(key=f"{key}_phone").value == "090-1234-5678"
    button(at, "変更を保存").click().run()
    assert texts(at.info) == ["変更はありません。"]
    at.text_input(key=f"{key}_phone").input("03-1234-5678")
    button(at, "変更を保存").click().run()
    with session_scope() as session:
        assert session.get(Shop, shop_id).phone == "+81312345678"


def test_support_reads_the_catalogue_without_forms(catalog, db, open_app):  # noqa: F811
    at = open_page(open_app, person(db, "support"), CATALOG)
    assert len(at.dataframe[0].value) == 3
    assert "提携店舗を追加" not in [b.label for b in at.button] and not at.get("file_uploader")
    assert count(Shop) == 3


def test_support_records_an_incident(db, open_app):
    at = open_page(open_app, person(db, "support"), INCIDENTS)
    at.text_input(key="reservations_incidents_new_0_title").input("SMS送信の遅延")
    at.selectbox(key="reservations_incidents_new_0_level").select("high")
    at.text_area(key="reservations_incidents_new_0_impact").input("確認SMSが最大10分遅延")
    button(at, "記録する").click().run()

    assert texts(at.success) == ["インシデント「SMS送信の遅延」を記録しました。"]
    row = at.dataframe[0].value.to_dict("records")[0]
    shown = (row["件名"], row["レベル"], row["影響範囲"], row["復旧日時"], row["対応時間目標"], row["期限超過"])
    assert shown == ("SMS送信の遅延", "High", "確認SMSが最大10分遅延", "", "1時間以内", "")
    assert row["経営陣への報告"].startswith("未報告（期限 ")
    assert cell_colours(at.dataframe[0], "経営陣への報告")[0] == "orange"
    assert count(Incident) == 1

    at.selectbox(key="reservations_incidents_selected").select(at.dataframe[0].value["ID"][0])
    at.run()
    button(at, "経営陣に報告").click().run()
    assert texts(at.success)[0].endswith("を経営陣に報告しました。")
    assert at.dataframe[0].value["経営陣への報告"][0].startswith("報告済み ")
    assert cell_colours(at.dataframe[0], "経営陣への報告")[0] == "green"


def test_executives_read_incidents_with_overdue_flags_and_no_forms(db, open_app):
    with session_scope() as session:
        session.add_all(
            [
                Incident(title="決済停止", level="critical", occurred_at=utcnow() - timedelta(hours=1)),
                Incident(title="SMS遅延", level="low", occurred_at=utcnow() - timedelta(hours=1)),
            ]
        )
    at = open_page(open_app, person(db, "executive"), INCIDENTS)
    table = at.dataframe[0]
    flags = zip(table.value["件名"], table.value["期限超過"], cell_colours(table, "期限超過"), strict=True)
    assert set(flags) == {("決済停止", "期限超過", "red"), ("SMS遅延", "", None)}
    assert "記録する" not in [b.label for b in at.button]
    assert "reservations_incidents_selected" not in [box.key for box in at.selectbox]  # no update form
    at.checkbox(key="reservations_incidents_overdue").check().run()
    assert at.dataframe[0].value["件名"].tolist() == ["決済停止"]


def test_an_operator_issues_an_mcp_key_shown_once(db, open_app):
    at = open_page(open_app, person(db, "operator"), CLIENTS)
    at.text_input(key="reservations_clients_create_0_name").input("社内AIチャット")
    button(at, "APIキーを発行").click().run()

    assert texts(at.success) == ["「社内AIチャット」のAPIキーを発行しました。このキーは今回だけ表示されます。"]
    assert at.code[0].value.startswith("qrv_")
    assert at.dataframe[0].value["名前"].tolist() == ["社内AIチャット"]
    assert not at.run().code
    assert count(McpClient) == 1
