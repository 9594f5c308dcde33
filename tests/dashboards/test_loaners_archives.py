"""代替機 › アーカイブ (admin): the rotation previewed and started, its archives listed, searched in the chosen one and
downloaded by a link; a device's history shows its archived answers to a clerk of its 管轄."""

from service.config import get_settings
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_loaners_admin import admin  # noqa: F401
from tests.factories import make_user
from tests.service.loaners.archives.test_archived_history import rotated  # noqa: F401
from tests.service.loaners.archives.test_archives import archive  # noqa: F401
from tests.service.loaners.archives.test_rotation import history
from tests.service.loaners.conftest import initial_data  # noqa: F401

PAGE = "app_pages/loaners/archives.py"


def test_admin_searches_an_archive_and_downloads_it(admin, archive, open_app, live_api):  # noqa: F811
    at = open_page(open_app, admin, PAGE)
    assert at.selectbox(key="loaners_archives_chosen").value == archive
    at.text_input(key="loaners_archives_q").input("東京担当")
    at = button(at, "検索").click().run()
    assert "1件（5行を読みました）" in texts(at.caption)
    assert at.dataframe[0].value["拠点管理番号"].tolist()[0].startswith("TOKYO_")

    link = next(b for b in at.get("link_button") if b.proto.label == "アーカイブをダウンロード（.jsonl.gz）")
    assert link.proto.url.endswith(f"/api/loaners/archives/{archive}/download")


def test_no_archive_yet_is_said(admin, open_app, live_api, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    at = open_page(open_app, admin, PAGE)
    assert texts(at.info) == ["アーカイブはまだありません。"]


def test_admin_previews_and_starts_the_rotation_from_the_page(db, admin, open_app, live_api, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    history(db)
    db.commit()
    at = open_page(open_app, admin, PAGE)
    cards = {metric.label: metric.value for metric in at.metric}
    assert cards["アーカイブ対象の回答"] == "4件"
    assert "ローテーションはまだ実行されていません。" in texts(at.caption)
    assert button(at, "ローテーションを開始").disabled
    at.checkbox(key="loaners_archives_rotate_ok").check().run()
    at = button(at, "ローテーションを開始").click().run()
    assert "ローテーションを開始しました。" in texts(at.success)
    assert "ローテーションを実行中です。" in texts(at.info)
    assert any(text.startswith("前回のローテーション #") and "実行中" in text for text in texts(at.caption))


def test_a_devices_history_shows_its_archived_answers_last(db, rotated, open_app):  # noqa: F811
    clerk = make_user(db, "kansai-clerk", grants={"loaners": ("staff", "関西")})
    db.commit()
    at = open_page(open_app, clerk, "app_pages/loaners/device.py", id=str(rotated.id))
    timeline = at.dataframe[-1].value
    assert timeline["保存先"].tolist() == ["", "アーカイブ", "アーカイブ", "アーカイブ"]
    assert timeline["タイムスタンプ"].tolist() == sorted(timeline["タイムスタンプ"], reverse=True)
    assert "全4件中 1〜4件目" in texts(at.caption)
