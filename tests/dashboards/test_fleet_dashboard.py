"""端末管理 › ダッシュボード and who sees which fleet page: counts on a small known data set, roles, customer scope."""

import json
import re

import pytest
from sqlalchemy import update

from dashboards import sections
from dashboards.app_pages.fleet import common as fleet_common
from service.config import get_settings
from service.fleet.models import Alert, FleetState
from tests.dashboards.conftest import DASHBOARDS, cell_colours, open_page, texts
from tests.factories import make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal

DASHBOARD = "app_pages/fleet/dashboard.py"
FLEET_PAGES = [page for section in sections.SECTIONS if section.domain == "fleet" for page in section.pages]


def column_widths(table) -> dict[str, int]:
    """The pixel width the page gave each shown column of a table."""
    config = json.loads(table.proto.columns)
    return {name: column["width"] for name, column in config.items() if not column.get("hidden")}


def assert_fits_1440(table) -> None:
    widths = column_widths(table)
    assert list(widths) == list(table.value.columns)
    assert sum(widths.values()) <= fleet_common.TABLE_WIDTH_PX <= 1440 - 300 - 2 * 80


def open_alert(db, terminal, kind: str, minutes: int, status: str = "open") -> None:
    db.add(
        Alert(
            terminal_id=terminal.id,
            customer_id=terminal.customer_id,
            alert_type=kind,
            message="",
            status=status,
            created_at=ago(minutes=minutes),
        )
    )


@pytest.fixture
def fleet(db):
    """ABC商事: 2 online + 1 error; XYZ商店: 1 online + 1 maintenance; two open alerts past 初動確認's 5 minutes and
    one resolved."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    shinjuku, _ = make_terminal(db, abc, "TC-A1", store_name="新宿店", status="online")
    make_terminal(db, abc, "TC-A2", store_name="池袋店", status="online")
    make_terminal(db, abc, "TC-A3", store_name="上野店", status="error")
    shibuya, _ = make_terminal(db, xyz, "TC-X1", store_name="渋谷店", status="online", cpu_usage=95.0)
    make_terminal(db, xyz, "TC-X2", store_name="原宿店", status="maintenance")
    open_alert(db, shinjuku, "offline", 10)
    open_alert(db, shibuya, "high_cpu", 5)
    open_alert(db, shinjuku, "error", 90, status="resolved")
    db.commit()
    return abc, xyz


def test_cards_availability_alerts_and_customer_table(fleet, db, open_app):
    operator = make_user(db, "op1", name="運用 一郎", grants={"fleet": "operator"})
    db.execute(update(Alert).where(Alert.alert_type == "offline").values(assignee_id=operator.id))
    db.commit()

    at = open_page(open_app, operator, DASHBOARD)

    assert texts(at.title) == ["ダッシュボード"]
    assert [(m.label, m.value) for m in at.metric] == [
        ("総端末数", "5台"),
        ("オンライン", "3台"),
        ("未解決のアラート", "2件"),
        ("SLA超過（未解決）", "2件"),
    ]
    assert texts(at.caption).count("期間: 現在") == 4
    assert any(text.endswith(" 時点") for text in texts(at.caption))
    assert at.get("progress")[0].proto.text == "稼働率: 75.0%"
    critical = at.dataframe[0]
    rows = critical.value.to_dict("records")
    assert [(row["重要アラート"], row["担当者"], row["発生"]) for row in rows] == [
        ("ABC商事 - 新宿店: オフライン", "運用 一郎", "10分前"),
        ("XYZ商店 - 渋谷店: 店舗PC CPU使用率95%", "未割り当て", "5分前"),
    ]
    assert rows[0]["SLA"] == "超過 初動確認（5分超過）"  # the alert list's SLA state, in its colour
    assert cell_colours(critical, "SLA")[0] == "red"
    assert_fits_1440(critical)
    table = at.dataframe[1].value
    assert table.to_dict("records") == [
        {"顧客名": "ABC商事", "端末数": 3, "オンライン": 2, "オフライン": 0, "エラー": 1, "メンテナンス中": 0},
        {"顧客名": "XYZ商店", "端末数": 2, "オンライン": 1, "オフライン": 0, "エラー": 0, "メンテナンス中": 1},
    ]
    assert_fits_1440(at.dataframe[1])
    assert not at.get("plotly_chart"), "the page loads no chart library: it is every fleet sign-in's first page"
    (bar,) = [element.proto.body for element in at.get("html") if "端末の状態" in element.proto.body]
    assert re.findall(r'title="([^"]+)" style="flex:(\d+) ', bar) == [
        ("オンライン: 3台", "3"),
        ("エラー: 1台", "1"),
        ("メンテナンス中: 1台", "1"),
    ], "a part of the bar for each state with terminals, as wide as its count"
    assert re.findall(r"</span>([^<]+)</span>", bar) == [
        "オンライン 3台",
        "オフライン 0台",
        "エラー 1台",
        "メンテナンス中 1台",
    ], "each state named under the bar, however thin its part"


def test_a_customer_scoped_user_counts_only_their_customer(fleet, db, open_app):
    abc, _ = fleet
    support = make_user(db, "support1", grants={"fleet": ("support", str(abc.id))})
    db.commit()

    at = open_page(open_app, support, DASHBOARD)

    assert [(m.label, m.value) for m in at.metric] == [
        ("総端末数", "3台"),
        ("オンライン", "2台"),
        ("未解決のアラート", "1件"),
        ("SLA超過（未解決）", "1件"),
    ]
    assert at.dataframe[1].value["顧客名"].tolist() == ["ABC商事"]


def test_an_empty_fleet_says_so_instead_of_failing(db, open_app):
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()

    at = open_page(open_app, admin, DASHBOARD)

    assert [m.value for m in at.metric] == ["0台", "0台", "0件", "0件"]
    assert "未解決のアラートはありません。" in texts(at.caption)
    assert not at.error


def test_a_viewer_sees_only_the_report_page(fleet, db, open_app):
    abc, _ = fleet
    viewer = make_user(db, "viewer1", grants={"fleet": ("viewer", str(abc.id))})
    db.commit()

    at = open_app(viewer)

    assert texts(at.title) == ["レポート"]
    for page in FLEET_PAGES:
        if page.title == "レポート":
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page.path)


def test_the_guard_refuses_a_viewer_who_opens_the_dashboard_directly(db, open_app):
    viewer = make_user(db, "viewer1", grants={"fleet": "viewer"})
    db.commit()

    at = open_app(viewer, script=DASHBOARDS / DASHBOARD)

    assert texts(at.error) == [
        "「端末管理 › ダッシュボード」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    ]
    assert not at.metric


def test_a_stalled_intake_is_a_banner_over_the_dashboard(fleet, db, open_app):
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.add(FleetState(id=1, last_ingest_at=ago(minutes=30)))  # 4 live terminals: 24 heartbeats missing
    db.commit()

    at = open_page(open_app, operator, DASHBOARD)

    (banner,) = texts(at.error)
    assert banner.startswith("ハートビートの受信が停止しています（最終受信 ") and "、30分前）" in banner
    assert [m.value for m in at.metric] == ["5台", "3台", "2件", "2件"]


def test_without_the_demo_agents_the_silence_is_a_notice_that_says_why(fleet, db, open_app, monkeypatch):
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.add(FleetState(id=1, last_ingest_at=ago(minutes=30)))
    db.commit()
    monkeypatch.setenv("APP_DEMO_AGENTS", "0")  # make run without its simulated agents; the API reads it again
    get_settings.cache_clear()
    try:
        at = open_page(open_app, operator, DASHBOARD)
    finally:
        monkeypatch.delenv("APP_DEMO_AGENTS")
        get_settings.cache_clear()

    assert not at.error
    (notice,) = texts(at.info)
    assert notice.startswith("デモの模擬エージェントを起動していないため（APP_DEMO_AGENTS=0）")
    assert "、30分前）" in notice
