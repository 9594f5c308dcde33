"""予約 › 運営コンソール and who sees which 予約 page: counts on a known data set, the week's charts, Slack posts,
and the roles (an executive sees the executive page and the incident records)."""

import pytest

from dashboards import labels, sections
from tests.dashboards.conftest import open_page, texts
from tests.factories import make_user
from tests.service.reservations.conftest import catalog, sandbox  # noqa: F401  (fixtures)
from tests.service.reservations.console.test_console_api import three_outcomes

CONSOLE = "app_pages/reservations/console.py"
RESERVATION_PAGES = [
    page for section in sections.SECTIONS if section.domain == "reservations" for page in section.pages
]


def person(db, role: str, login: str | None = None):
    user = make_user(db, login or f"resv-{role}", name=f"{role}さん", grants={"reservations": role})
    db.commit()
    return user


@pytest.fixture
def outcomes(client, catalog, monkeypatch):  # noqa: F811
    """Booked today: one confirmed (paid), one awaiting payment, one all-declined (a manual operation and a post)."""
    return three_outcomes(client, monkeypatch, catalog["service_id"])


def test_console_counts_today_and_charts_the_week(outcomes, db, open_app):
    at = open_page(open_app, person(db, "operator"), CONSOLE)

    assert texts(at.title) == ["運営コンソール"]
    assert [(m.label, m.value) for m in at.metric] == [
        ("今日の予約件数", "3"),
        ("今日のマニュアルオペ", "1"),
        ("未対応の手動対応", "1"),
        ("対応時間目標超過", "0"),
    ]
    by_status = dict(zip(at.dataframe[0].value["ステータス"], at.dataframe[0].value["件数"], strict=True))
    shown = (by_status["予約確定"], by_status["決済待ち"], by_status["全店予約NG"], by_status["電話代行中"])
    assert shown == (1, 1, 1, 0)
    by_type = dict(zip(at.dataframe[1].value["種別"], at.dataframe[1].value["件数"], strict=True))
    assert by_type["全店舗予約NG"] == 1
    assert len(at.get("plotly_chart")) == 4  # three rates and the support inquiries
    captions = [c for c in texts(at.caption) if c.startswith("今週（月〜日）")]
    assert [c.rsplit("週合計: ", 1)[1] for c in captions] == ["66.7%", "50.0%", "0.0%"]
    posts = [m for m in texts(at.markdown) if m.startswith("- **マニュアルオペ**")]
    assert len(posts) == 1 and labels.plain(f"予約ID: {outcomes['all_declined']} が全店NG") in posts[0]


def test_each_role_sees_its_pages(db, open_app):
    def visible(user) -> list[str]:
        return [page.title for pages in sections.visible_pages(user_json(user)).values() for page in pages]

    def user_json(user) -> dict:
        return {"grants": [{"domain": g.domain, "role": g.role} for g in user.grants]}

    executive, support, operator = person(db, "executive"), person(db, "support"), person(db, "operator")
    assert visible(executive) == ["経営ダッシュボード", "インシデント"]
    assert "経営ダッシュボード" not in visible(support) and "MCPクライアント" not in visible(support)
    assert visible(operator) == [page.title for page in RESERVATION_PAGES]

    at = open_app(executive)
    assert not at.exception, at.exception
    assert texts(at.title) == ["経営ダッシュボード"]
