"""入退管理 › バーコードカード: the worker makes the PDF while the page shows its progress, then offers the download; a
new session of the page (a reload, another staff member) finds the class's job as it is."""

import pytest

from service.entry_logs.models import Child
from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the real Celery worker fixture

CARDS = "app_pages/entry_logs/cards.py"


def make(at, class_name: str):
    at.selectbox(key="entry_logs_cards_class").select(class_name).run()
    return at.button(key="entry_logs_cards_make").click().run()


@pytest.mark.slow
def test_a_class_s_cards_show_progress_then_download_as_a_pdf(db, sakura, open_app, downloads, start_worker):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), CARDS)

    at = make(at, "ひよこ組")
    assert not at.error
    assert [bar.proto.text for bar in at.get("progress")] == ["待機中: 0 / 1ページ"]
    assert not at.get("download_button")

    start_worker()

    def offered() -> bool:
        at.run()
        return bool(at.get("download_button"))

    wait_for_job(offered, timeout=60, message="the worker to make the cards and the page to offer them")
    assert [b.label for b in at.get("download_button")] == ["PDFをダウンロード"]
    assert not at.get("progress")
    assert downloads["entry_exit_cards_sakura_ひよこ組.pdf"]().startswith(b"%PDF")


@pytest.mark.slow
def test_a_new_session_of_the_page_finds_the_classs_job_being_made_then_ready(db, sakura, open_app, start_worker):  # noqa: F811
    staff = staff_of(db, sakura)
    make(open_page(open_app, staff, CARDS), "ひよこ組")

    reloaded = open_page(open_app, staff, CARDS)
    assert [bar.proto.text for bar in reloaded.get("progress")] == []  # the whole nursery's: none asked for
    reloaded.selectbox(key="entry_logs_cards_class").select("ひよこ組").run()
    assert [bar.proto.text for bar in reloaded.get("progress")] == ["待機中: 0 / 1ページ"]
    again = make(reloaded, "ひよこ組")  # asking again answers the job being made
    assert not again.error and [bar.proto.text for bar in again.get("progress")] == ["待機中: 0 / 1ページ"]

    start_worker()

    def offered() -> bool:
        later = open_page(open_app, staff, CARDS)
        later.selectbox(key="entry_logs_cards_class").select("ひよこ組").run()
        return bool(later.get("download_button"))

    wait_for_job(offered, timeout=60, message="a new session of the page to offer the cards")


def test_a_class_without_parents_is_refused_at_once(db, sakura, open_app):  # noqa: F811
    db.add(Child(nursery_id=sakura.nursery.id, name="ひとりの園児", class_name="ぞう組"))
    db.commit()
    at = open_page(open_app, staff_of(db, sakura), CARDS)

    at = make(at, "ぞう組")
    assert texts(at.error) == ["このクラスにはカードを作る保護者がいません"]
    assert not at.get("progress") and not at.get("download_button")
