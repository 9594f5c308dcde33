"""代理店CRM numbers: 獲得案件一覧 grouped by corporation with its CSV, 代理店別数値 with the chart and the
drill-down and OCR採用率 opening its reviews, and the admin's ダッシュボード."""

import json

import pytest

from dashboards import clock
from tests.dashboards.conftest import csv_link_rows, open_page, texts, tick_rows
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import add_site, corporation, made, set_status, submit
from tests.service.crm.ocr.test_ocr_acceptance import reviewed

ACQUIRED = "app_pages/crm/acquired.py"
METRICS = "app_pages/crm/metrics.py"
QUEUE = "app_pages/crm/queue.py"
DASHBOARD = "app_pages/crm/dashboard.py"


@pytest.fixture
def numbers(client, world) -> dict[str, int]:  # noqa: F811
    """Agency A: テスト商事 with two 投入済 sites and a request sent back (不備); B: ヒカリ物産, one 投入済 site."""
    acquired = made(submit(client, world.sales_a))["request"]["id"]
    for branch in ("渋谷店", "新宿店"):
        set_status(client, world, add_site(client, world, acquired, power_branch_name=branch), "submitted")
    deficient = made(submit(client, world.sales_a, corporation=corporation(last_name="株式会社ミドリ商事")))
    made(
        client.post(
            f"/api/crm/requests/{deficient['request']['id']}/deficiencies",
            headers=world.operator,
            json={"message": "明細がありません", "version": deficient["request"]["version"]},
        )
    )
    b = made(submit(client, world.sales_b, corporation=corporation(last_name="株式会社ヒカリ物産")))["request"]["id"]
    set_status(client, world, add_site(client, world, b, power_branch_name="梅田店"), "submitted")
    return {"acquired": acquired, "deficient": deficient["request"]["id"], "b": b}


def csv_rows(at, user) -> list[dict]:
    header, *rows = csv_link_rows(at, user)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_acquired_sites_are_grouped_by_corporation_and_exported(client, db, world, numbers, open_app):  # noqa: F811
    today = f"{clock.today():%Y/%m/%d}"
    operator = as_user(db, world, "operator")
    at = open_page(open_app, operator, ACQUIRED)

    assert [e.label for e in at.expander] == [
        f"株式会社ヒカリ物産（1地点） 最終投入日 {today} ／ 株式会社BBB代理店",
        f"株式会社テスト商事（2地点） 最終投入日 {today} ／ 株式会社AAA代理店",
    ]
    assert not at.dataframe  # a corporation's sites are drawn once it is opened
    request = client.get(f"/api/crm/requests/{numbers['acquired']}", headers=world.operator).json()
    at.session_state[f"crm_acquired_corporation_{request['corporation']['id']}"] = True  # opened
    at.run()
    assert [len(e.dataframe) for e in at.expander] == [0, 1]
    assert at.expander[1].dataframe[0].value["店舗名"].tolist() == ["新宿店", "渋谷店"]
    assert sorted(row["店舗名"] for row in csv_rows(at, operator)) == ["新宿店", "梅田店", "渋谷店"]

    at.text_input(key="crm_acquired_q").input("渋谷").run()
    assert [e.label.split("（")[0] for e in at.expander] == ["株式会社テスト商事"]


def test_a_sales_person_sees_and_exports_only_their_agencys_acquired_sites(db, world, numbers, open_app):  # noqa: F811
    sales = as_user(db, world, "sales_a")
    at = open_page(open_app, sales, ACQUIRED)

    assert [e.label for e in at.expander] == [f"株式会社テスト商事（2地点） 最終投入日 {clock.today():%Y/%m/%d}"]
    assert {row["代理店"] for row in csv_rows(at, sales)} == {"株式会社AAA代理店"}
    assert not [w for w in at.selectbox if w.key == "crm_acquired_agency"]


def test_agency_metrics_show_the_numbers_a_chart_and_drill_down_to_the_agencys_requests(db, world, numbers, open_app):  # noqa: F811
    operator = as_user(db, world, "operator")
    at = open_page(open_app, operator, METRICS)

    table = at.dataframe[0].value.to_dict("records")
    columns = ("代理店名", "依頼件数", "不備", "対応中", "投入済", "獲得地点", "不備率")
    assert [tuple(row[c] for c in columns) for row in table] == [
        ("株式会社AAA代理店", 2, 1, 0, 1, 2, "50.0%"),
        ("株式会社BBB代理店", 1, 0, 0, 1, 1, "0.0%"),
        ("合計", 3, 1, 0, 2, 3, "33.3%"),
    ]
    assert [m.value for m in at.metric][:2] == ["3件", "3地点"]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    month = f"{clock.today():%Y-%m}"
    bars = {trace["name"]: dict(zip(trace["x"], trace["y"], strict=True)) for trace in chart["data"]}
    assert (bars["不備"][month], bars["投入済"][month], bars["獲得地点"][month]) == (1, 2, 3)

    at.segmented_control(key="crm_metrics_granularity").set_value("day").run()
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][-1]["x"][-1] == f"{clock.today():%Y-%m-%d}" and chart["data"][-1]["y"][-1] == 3

    at.selectbox(key="crm_metrics_drill").select(world.agency_a).run()
    drilled = at.dataframe[-1].value  # after the agency table and the 不備 reasons
    assert drilled["依頼ID"].tolist() == [numbers["deficient"], numbers["acquired"]]
    assert "株式会社AAA代理店 の案件を投入案件一覧で開く" in [link.value for link in at.get("page_link")]

    queue = open_page(open_app, operator, QUEUE, agency_id=str(world.agency_a))
    assert queue.dataframe[0].value["依頼ID"].tolist() == [numbers["deficient"], numbers["acquired"]]


def test_ocr_acceptance_is_shown_per_agency_and_field_and_a_row_opens_its_reviews(db, world, client, open_app):  # noqa: F811
    reviewed(client, world, db)
    at = open_page(open_app, as_user(db, world, "operator"), METRICS)

    table = at.dataframe[-1].value.to_dict("records")
    shown = [
        (row["代理店"], row["項目"], row["OCR採用率"], row["提案のまま採用"], row["確認した項目"]) for row in table
    ]
    assert shown == [
        ("株式会社AAA代理店", "供給地点特定番号", "66.7%", 2, 3),
        ("株式会社AAA代理店", "名義", "33.3%", 1, 3),
        ("株式会社AAA代理店", "契約プラン", "0.0%", 0, 1),  # typed by hand
        ("株式会社BBB代理店", "供給地点特定番号", "0.0%", 0, 1),
        ("株式会社BBB代理店", "名義", "100.0%", 1, 1),
        ("合計", "全項目", "44.4%", 4, 9),
    ]
    cards = [(m.label, m.value) for m in at.metric]
    assert ("OCR採用率（合計）", "44.4%") in cards and ("手入力なしの請求書", "25.0%") in cards  # above the table
    bills = at.dataframe[-2].value  # the bills behind their expander, before the table
    assert bills["手入力なし"].tolist() == ["いいえ", "いいえ", "いいえ", "はい"]
    assert "期間: 全期間（今日まで）" in texts(at.caption)
    assert any(text.startswith("期間（確認日）: 全期間（今日まで）。") for text in texts(at.caption))

    tick_rows(at, [0], table=len(at.dataframe) - 1)
    assert "**OCR確認履歴: 株式会社AAA代理店・供給地点特定番号（確認日: 全期間（今日まで））**" in texts(at.markdown)
    assert at.dataframe[-1].value["提案のまま採用"].tolist() == ["いいえ", "はい", "はい"]

    tick_rows(at, [5], table=len(at.dataframe) - 2)  # 合計: every review of the period
    assert "**OCR確認履歴: 合計・全項目（確認日: 全期間（今日まで））**" in texts(at.markdown)
    assert len(at.dataframe[-1].value) == 9
    assert at.dataframe[-1].value["結果"].tolist().count("手入力") == 1


def test_the_admin_dashboard_counts_requests_sites_and_agencies(db, world, numbers, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), DASHBOARD)

    cards = [(m.label, m.value) for m in at.metric]
    by_status = [(":red-badge[不備]", "1件"), (":yellow-badge[対応中]", "0件"), (":green-badge[投入済]", "2件")]
    assert cards[:5] == [*by_status, (":blue-badge[一部キャンセル]", "0件"), (":grey-badge[キャンセル]", "0件")]
    assert cards[5:] == [
        ("投入依頼件数", "3件"),
        ("投入依頼件数", "3件"),
        ("獲得地点数", "3地点"),
        ("未読のある依頼", "3件"),  # nobody of the back office has opened the three
        ("有効な代理店", "2社"),
        ("営業担当者", "3人"),
    ]
    periods = [text for text in texts(at.caption) if text.startswith("期間: ")]
    assert periods[0].startswith("期間: 全期間") and periods[5] == f"期間: {clock.today():%Y/%m/%d}（今日）"
    assert len(periods) == len(cards)
    assert at.dataframe[0].value["代理店名"].tolist() == ["株式会社AAA代理店", "株式会社BBB代理店"]
    assert texts(at.title) == ["ダッシュボード"]
