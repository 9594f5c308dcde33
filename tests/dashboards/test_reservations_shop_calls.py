"""予約 › 提携店舗・サービス管理 › 電話の状況: each shop's automated calls today and this month (the service's
named figures), its call budget and what is left of today's, the calls behind a figure, the no-answer flag, and an
operator stopping and lifting a shop's automated calls."""

from sqlalchemy import select

from service.audit.models import AuditEntry
from service.config import get_settings
from service.database import session_scope, utcnow
from service.reservations.models import Shop
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import (  # noqa: F401  (catalog, sandbox: fixtures)
    answer_calls,
    book,
    call_again_at_once,
    catalog,
    deliver_due,
    sandbox,
)
from tests.service.reservations.test_workflow import sweep

CATALOG = "app_pages/reservations/catalog.py"


def calls_table(at):
    """The 電話の状況 tab's table of shops."""
    return next(frame.value for frame in at.dataframe if "今日の電話件数" in frame.value.columns)


def called_declined_then_unanswered(catalog, monkeypatch) -> None:  # noqa: F811
    """Each shop: one call declined, then two unanswered (rounds 1 and 2 of another request)."""
    monkeypatch.setattr(get_settings(), "reservations_shop_no_answer_min_calls", 3)
    answer_calls(monkeypatch, "decline")
    book(catalog["service_id"])
    deliver_due()
    answer_calls(monkeypatch, "no_answer")
    call_again_at_once(monkeypatch)
    book(catalog["service_id"], phone="090-2222-3333")
    for _ in range(4):  # round 2 is placed by the sweeper
        deliver_due()
        sweep(utcnow())


def test_support_reads_each_shops_calls_its_budget_and_the_list_behind_a_figure(  # noqa: F811
    catalog, db, open_app, monkeypatch
):
    called_declined_then_unanswered(catalog, monkeypatch)
    monkeypatch.setattr(get_settings(), "reservations_shop_calls_per_day", 5)
    at = open_page(open_app, person(db, "support"), CATALOG)

    table = calls_table(at)
    assert table["店舗名"].tolist() == ["提携店1", "提携店2", "提携店3"]
    first = table.iloc[0].to_dict()
    labels = ("電話件数", "応答", "予約NG", "応答なし")
    shown = [first[f"{period}の{label}"] for period in ("今日", "今月") for label in labels]
    assert shown == [3, 1, 1, 2] * 2
    budget = get_settings().reservations_shop_calls_per_day
    assert (first["1日の上限"], first["今日の残り"]) == (budget, budget - 3)  # the call budget, less today's 3 calls
    assert first["注意"] == "応答なし増加"
    assert any("応答なし増加: 提携店1、提携店2、提携店3" in text for text in texts(at.warning))

    at.radio(key="reservations_catalog_calls_period").set_value("today").run()
    at.selectbox(key="reservations_catalog_calls_figure").set_value("reservations.shop_no_answer").run()
    listed = at.dataframe[-1].value
    assert listed["結果"].tolist() == ["応答なし", "応答なし"]
    assert "自動電話停止" not in [b.label for b in at.button]  # support reads only


def test_an_operator_stops_a_shops_automated_calls_with_a_reason_and_lifts_it(catalog, db, open_app):  # noqa: F811
    shop_id = catalog["shop_ids"][0]
    at = open_page(open_app, person(db, "operator"), CATALOG)
    button(at, "自動電話停止").click().run()
    assert texts(at.error)  # no reason: refused by the service, nothing written
    with session_scope() as session:
        assert session.get(Shop, shop_id).auto_calls_stopped_at is None

    at.text_input(key=f"reservations_catalog_stop_{shop_id}_reason").input("店長から電話で依頼")
    button(at, "自動電話停止").click().run()
    assert texts(at.success) == ["「提携店1」を自動電話停止にしました。人が電話します。"]
    assert calls_table(at).iloc[0]["注意"] == "自動電話停止"
    button(at, "自動電話を再開する").click().run()
    assert texts(at.success) == ["「提携店1」への自動電話を再開しました。"]
    with session_scope() as session:
        assert session.get(Shop, shop_id).auto_calls_stopped_at is None
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(shop_id))).all()
    assert actions == ["stop_auto_calls", "lift_auto_calls"]
