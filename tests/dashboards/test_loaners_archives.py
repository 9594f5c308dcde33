"""代替機 › アーカイブ (admin): the rotation's archives listed, searched in the chosen one and downloaded by a link."""

from service.config import get_settings
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_loaners_admin import admin  # noqa: F401
from tests.service.loaners.conftest import initial_data  # noqa: F401
from tests.service.loaners.test_archives import archive  # noqa: F401

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
