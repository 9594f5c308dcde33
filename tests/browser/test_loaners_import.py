"""代替機 › 回答シート取込 in a real browser: the clerk's sheet whose columns are named otherwise (日時, 拠点管理番号)
waits for the mapping step, the clerk says which column is which, and the sheet goes again and is checked; the
uploader speaks Japanese to a screen reader, a file of a kind it refuses included.

Screenshots are saved under the test's tmp_path (run with --basetemp to keep them).
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.loaners.imports import imports
from service.loaners.models import SubmissionImport
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.loaners.conftest import initial_data, make_device  # noqa: F401
from tests.support.axe import serious_violations
from tests.support.streamlit_browser import choose, screenshot, settled, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only, pytest.mark.outside]
UPLOADER = "回答シートのファイル"
ENGLISH_WORDS = re.compile(r"\b(?:[Ee]rror|icon|files? (?:are|is) not allowed|application/|Browse|Upload|Drag)\b")


@pytest.fixture
def known_number(db) -> str:
    make_user(db, "importadmin", name="取込 太郎", grants={"loaners": "admin"})
    db.commit()
    with session_scope() as session:
        return make_device(session, serial="OPT818613").management_number


def heard(page: Page) -> str:
    """What a screen reader gets of the uploader: its accessibility tree as text."""
    return page.get_by_test_id("stFileUploader").aria_snapshot()


def check_job() -> None:
    """What the import's job does: the newest import checked, chunk after chunk."""
    with session_scope() as db:
        import_id = db.scalar(select(SubmissionImport.id).order_by(SubmissionImport.id.desc()))
    while True:
        with session_scope() as db:
            if not imports.process_chunk(db, import_id=import_id, now=utcnow()):
                return


def test_a_sheet_whose_columns_are_named_otherwise_is_mapped_by_the_clerk_and_checked(
    dashboards_url, new_page, known_number, tmp_path: Path
):
    page = new_page()
    sign_in(page, f"{dashboards_url}/loaners-import", "importadmin", DEFAULT_PASSWORD, "回答シート取込")
    said = heard(page)
    assert not ENGLISH_WORDS.search(said), said

    refused = tmp_path / "領収書.pdf"
    refused.write_bytes(b"%PDF-1.4\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(refused)
    expect(page.get_by_test_id("stFileChip")).to_be_visible()
    said = heard(page)
    assert not ENGLISH_WORDS.search(said), said
    described = page.get_by_test_id("stFileChip").get_attribute("aria-describedby")  # what a screen reader says of it
    refusal = page.locator(f"[id='{described}']").text_content()
    assert refusal == "エラー: この種類のファイルは受け付けられません（選べるのは.xlsx・.csvのファイルです）"
    page.get_by_role("button", name="このファイルを外す").click()

    sheet = tmp_path / "端末ステータス収集.csv"
    sheet.write_bytes(
        (
            "端末ステータス収集（11月）,,\n"
            "日時,0-1.担当者,拠点管理番号,0-4.ステータス\n"
            f"2026年11月8日 14:30,山田,{known_number},3.社内にて保管中\n"
        ).encode("cp932")
    )
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(sheet)
    expect(page.get_by_text("端末ステータス収集.csv")).to_be_visible()
    said = heard(page)
    assert not ENGLISH_WORDS.search(said), said
    settled(page)
    page.get_by_role("button", name="取込前に確認").click()

    expect(page.get_by_role("heading", name="列の対応づけ")).to_be_visible()
    expect(
        page.get_by_text("2行目の見出しに「タイムスタンプ」・「0-2.拠点管理番号」の列が見つかりません")
    ).to_be_visible()
    choose(page, "「タイムスタンプ」にあたるファイルの列", "日時")
    choose(page, "「0-2.拠点管理番号」にあたるファイルの列", "拠点管理番号")
    screenshot(page, tmp_path / "loaners_import_mapping.png")
    assert serious_violations(page, "回答シート取込: 列の対応づけ") == []
    settled(page)
    page.get_by_role("button", name="この対応で取り込み直す").click()

    expect(page.get_by_role("heading", name="端末ステータス収集.csv（#", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="列の対応づけ")).to_have_count(0)
    check_job()
    expect(page.get_by_text("全1行: 取り込む 1行")).to_be_visible()  # the dry run, as the page polls it
    expect(page.get_by_role("button", name="取り込む", exact=True)).to_be_enabled()
    screenshot(page, tmp_path / "loaners_import_checked.png")
