"""予約 › 運用マニュアル: the operators' manual as the service keeps it, with every §3 manual as a PDF to download."""

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import sandbox  # noqa: F401  (the fixture)

MANUAL = "app_pages/reservations/manual.py"


def test_support_reads_the_operators_manual_and_finds_the_pdfs(db, open_app):
    at = open_page(open_app, person(db, "support"), MANUAL)
    assert texts(at.title) == ["運用マニュアル"]
    assert texts(at.caption)[0] == "運用マニュアル（運営担当者向け）"
    shown = "\n".join(texts(at.markdown))
    assert "### 1. 全店舗予約NG（優先度 高・1時間以内）" in shown
    assert "### 6. キャンセル期限超過後のキャンセル依頼（優先度 中・2時間以内）" in shown
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == [
        "よくある質問（ご依頼者向け）",
        "提携店向けマニュアル",
        "よくある質問（提携店向け）",
        "運用マニュアル（運営担当者向け）",
    ]
