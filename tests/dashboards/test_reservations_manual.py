"""予約 › 運用マニュアル: the operators' manual as the service keeps it, every §3 manual to read and as a PDF."""

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import sandbox  # noqa: F401  (the fixture)

MANUAL = "app_pages/reservations/manual.py"


def test_support_reads_the_operators_manual_then_another_and_finds_the_twelve_pdfs(db, open_app):
    at = open_page(open_app, person(db, "support"), MANUAL)
    assert texts(at.title) == ["運用マニュアル"]
    assert texts(at.caption)[0] == "運用マニュアル（運営担当者向け）"
    shown = "\n".join(texts(at.markdown))
    assert "### 1. 全店舗予約NG（優先度 高・1時間以内）" in shown
    assert "### 6. キャンセル期限超過後のキャンセル依頼（優先度 中・2時間以内）" in shown
    assert not at.exception
    assert [m for m in texts(at.markdown) if m.startswith("**")][:3] == [
        "**ご依頼者向け**",
        "**提携店向け**",
        "**運営担当者向け**",
    ]
    labels = [button.proto.label for button in at.get("download_button")]
    assert len(labels) == 12
    assert labels[:2] == ["クイックスタートガイド（ご依頼者向け）", "よくある質問（ご依頼者向け）"]
    assert labels[-1] == "Slack通知一覧（運営担当者向け）"

    at.selectbox(key="reservations_manual_shown").select("operator-logs").run()

    assert texts(at.caption)[0] == "ログ確認ガイド（運営担当者向け）"
    assert "## サーバーのログ" in "\n".join(texts(at.markdown))
