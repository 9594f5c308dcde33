"""Who reaches the 入退管理 pages: staff of one nursery see only it, admins pick one, other domains' users none."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboards import sections
from service.audit.service import SYSTEM
from service.entry_logs.attendance import service as attendance
from tests.dashboards.conftest import DASHBOARDS, open_page, texts
from tests.dashboards.test_entry_logs_logs import himawari, sakura, staff_of  # noqa: F401 - fixtures
from tests.factories import make_user
from tests.service.entry_logs.world import add_log

ENTRY_LOG_PAGES = [page for section in sections.SECTIONS if section.domain == "entry_logs" for page in section.pages]
TOKYO = ZoneInfo("Asia/Tokyo")
NO_NURSERY = "保育園が登録されていません。「園情報編集」から保育園を追加してください。"


def shown_text(at) -> str:
    """Everything a page put on screen as text: words, tables, the HTML table, charts, and every option offered."""
    parts = [
        element.value
        for kind in ("title", "markdown", "caption", "info", "success", "warning", "error")
        for element in getattr(at, kind)
    ]
    parts += [element.proto.body for element in at.get("html")]
    parts += [element.proto.spec for element in at.get("plotly_chart")]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [str(metric.value) for metric in at.metric]
    parts += [option for widget in (*at.selectbox, *at.multiselect) for option in widget.options]
    return "\n".join(parts)


@pytest.fixture
def two_nurseries(db, sakura, himawari):  # noqa: F811
    """Both nurseries with a scan an hour ago (or at midnight) and an attendance record today."""
    now = datetime.now(TOKYO)
    moment = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=1, microsecond=0))
    for world in (sakura, himawari):
        add_log(db, world, world.parents[0], "Entry", moment)
        attendance.set_attendance(db, child=world.children[0], day=now.date(), status="present", note="", actor=SYSTEM)
    db.commit()
    return sakura, himawari


@pytest.mark.parametrize("page", ENTRY_LOG_PAGES, ids=lambda page: page.url_path)
def test_staff_of_one_nursery_never_see_anothers_data(db, two_nurseries, open_app, page):
    sakura_world, _ = two_nurseries

    at = open_page(open_app, staff_of(db, sakura_world), page.path)

    assert texts(at.title) == [page.title]
    assert not at.error
    text = shown_text(at)
    assert "himawari" not in text and "ひまわり" not in text
    assert "entry_logs_nursery" not in " ".join(str(s.key) for s in at.selectbox)


def test_an_admin_picks_the_nursery_and_the_choice_follows_to_the_next_page(db, two_nurseries, open_app):
    _, himawari_world = two_nurseries
    admin = make_user(db, "el-admin", grants={"entry_logs": "admin"})
    db.commit()
    at = open_page(open_app, admin, "app_pages/entry_logs/present.py")
    picker = at.selectbox(key="entry_logs_present_nursery")
    assert picker.options == ["ひまわり保育園", "さくら保育園"]

    picker.select(himawari_world.nursery.id).run()
    assert at.dataframe[0].value["保護者名"].tolist() == ["himawari保護者0"]

    at.switch_page("app_pages/entry_logs/attendance.py").run()
    assert at.selectbox(key="entry_logs_attendance_nursery").value == himawari_world.nursery.id
    assert "himawari園児0" in " ".join(html.proto.body for html in at.get("html"))


def test_a_fleet_only_user_cannot_reach_these_pages(db, two_nurseries, open_app):
    operator = make_user(db, "fleet-op", grants={"fleet": "operator"})
    db.commit()

    at = open_app(operator)
    for page in ENTRY_LOG_PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page.path)

    direct = open_app(operator, script=DASHBOARDS / "app_pages" / "entry_logs" / "logs.py")
    assert texts(direct.error) == [
        "「入退管理 › 入退管理ログ」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    ]
    assert not direct.dataframe


def test_with_no_nursery_yet_each_page_says_so(db, open_app):
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()
    at = open_app(admin)

    for page in ENTRY_LOG_PAGES:
        at.switch_page(page.path).run()
        assert not at.exception and not at.error, page.path
        if page.url_path != "entry-logs":
            assert NO_NURSERY in texts(at.info), page.path
