"""代替機 › 回答シート取込 (admin): every import is listed; a checked one, found again after leaving the page, opens
with its 取り込む, and the list follows it to 完了."""

import httpx
import pytest

from service.database import session_scope, utcnow
from service.import_jobs import MAX_REPORTED
from service.loaners.imports import imports
from tests.dashboards.conftest import button, click_row, open_page, texts
from tests.dashboards.test_loaners_admin import IMPORT, admin  # noqa: F401 - the admin fixture
from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import add_location, initial_data, make_device  # noqa: F401
from tests.service.loaners.imports.test_clerk_sheet import clerk_workbook
from tests.service.loaners.imports.test_history_import import HEADER, OLD_ROWS
from tests.service.loaners.imports.test_imports import HEADER as CLERK_HEADER
from tests.service.loaners.imports.test_imports import LAPTOP


def work(import_id: int) -> None:
    """What the import's job does, chunk after chunk."""
    while True:
        with session_scope() as db:
            if not imports.process_chunk(db, import_id=import_id, now=utcnow()):
                return


@pytest.fixture
def checked(admin, live_api) -> dict:  # noqa: F811
    """A sheet sent for its dry run (as the page sends it) and checked by its job: waiting for 取り込む."""
    sheet = (HEADER + "\n".join(OLD_ROWS) + "\n").encode()
    job = httpx.post(
        f"{live_api}/api/loaners/imports",
        data={"form_kind": "terminal", "dry_run": "true"},
        files={"file": ("端末ステータス収集.csv", sheet, "text/csv")},
        headers=auth_headers(admin),
    ).json()
    work(job["id"])
    return job


def test_a_checked_import_is_listed_after_leaving_the_page_and_opens_with_its_import_button(
    admin,  # noqa: F811
    checked,
    open_app,
):
    at = open_page(open_app, admin, IMPORT)  # a new session: nothing of the upload's is left in it
    listed = at.dataframe[-1].value
    assert listed[["ID", "ファイル名", "取込者", "取り込む行", "重複", "読み取れない", "状態"]].values.tolist() == [
        [checked["id"], "端末ステータス収集.csv", "loanadmin", 4, 0, 0, "確認済み"]
    ]
    assert not [b for b in at.button if b.label == "取り込む"]

    at = click_row(at, 0, table=len(at.dataframe) - 1)
    assert at.query_params["import"] == str(checked["id"])
    assert any("取り込む 4行" in text for text in texts(at.info))
    at = button(at, "取り込む").click().run()
    work(checked["id"])
    at.run()
    assert at.dataframe[-1].value["状態"].tolist() == ["完了"]
    assert any(text.startswith("取込が完了しました: 全4行のうち 4行") for text in texts(at.success))


def test_a_clerks_rows_of_another_jurisdiction_are_shown_as_outside_it_not_as_unreadable(live_api, open_app):
    """管轄外 has its own column in the list, its own count in the check and its own 結果 in the refused rows."""
    with session_scope() as db:
        add_location(db, "tokyo", "関東", name="東京")
        make_device(db, "osaka", serial="ABC123")
        clerk = make_user(db, "kansai-clerk", grants={"loaners": ("staff", "関西")})
    rows = [
        f"2024/07/01 09:00:00,a@example.com,山田,{LAPTOP}_ABC123_001,,1.貸出中,○○商事,2024/07/01,無し,,,",
        "2024/07/04 09:00:00,a@example.com,山田,TOKYO_Laptop_ThinkPad-X1-Carbon_T2_001,,1.貸出中,××,2024/07/04,無し,,,",
        f"bad time,a@example.com,山田,{LAPTOP}_ABC123_001,,1.貸出中,○○商事,2024/07/01,無し,,,",
    ]
    job = httpx.post(
        f"{live_api}/api/loaners/imports",
        data={"form_kind": "terminal", "dry_run": "true"},
        files={"file": ("端末ステータス収集.csv", (CLERK_HEADER + "\n".join(rows) + "\n").encode(), "text/csv")},
        headers=auth_headers(clerk),
    ).json()
    work(job["id"])

    at = open_page(open_app, clerk, IMPORT, **{"import": str(job["id"])})
    listed = at.dataframe[-1].value
    assert listed[["取り込む行", "読み取れない", "管轄外"]].values.tolist() == [[1, 1, 1]]
    assert any("読み取れない 1行・管轄外 1行" in text for text in texts(at.info))
    plan = at.dataframe[0].value
    assert plan["結果"].tolist() == ["取り込む", "管轄外（取り込まない）", "読み取れない"]
    at = button(at, "取り込む").click().run()
    work(job["id"])
    at.run()
    refused = at.dataframe[0].value
    assert refused["結果"].tolist() == ["管轄外（取り込まない）", "読み取れない"]
    assert at.dataframe[-1].value[["読み取れない", "管轄外"]].values.tolist() == [[1, 1]]


def test_a_held_serial_is_registered_as_new_from_the_finished_import(admin, live_api, open_app):  # noqa: F811
    """確認待ち rows wait in their own box with 新規として登録 and 既存を更新 (naming the known device); one click
    registers the row and the box empties."""
    with session_scope() as db:
        known = make_device(db, "osaka", serial="OPT818613").management_number
    mistyped = known.replace("OPT818613", "OPT818631")
    sheet = clerk_workbook(known, mistyped)
    job = httpx.post(
        f"{live_api}/api/loaners/imports",
        data={"form_kind": "terminal"},
        files={"file": ("端末ステータス収集.xlsx", sheet)},
        headers=auth_headers(admin),
    ).json()
    work(job["id"])
    at = open_page(open_app, admin, IMPORT, **{"import": str(job["id"])})
    assert "確認待ちの行" in texts(at.subheader)
    assert at.selectbox(key="loaners_import_held_row").options == [f"7行目 {mistyped}"]
    assert button(at, f"既存を更新（{known}）")
    at = button(at, "新規として登録").click().run()
    assert "確認待ちの行" not in texts(at.subheader)
    assert at.dataframe[0].value.set_index("行").loc[7, "結果"] == "新規として登録"
    assert not [text for text in texts(at.caption) if "行を表示しています" in text]  # every refused row is listed
    listed = at.dataframe[-1].value
    assert listed[["取り込む行", "確認待ち"]].values.tolist() == [[4, 0]]


def test_the_refused_rows_say_when_only_the_first_are_listed_a_resolved_held_row_included(
    admin,  # noqa: F811
    live_api,
    open_app,
):
    """Each outcome lists its first MAX_REPORTED refused rows and every held one (import_jobs.Report); a held row
    resolved stays listed but is no longer counted refused, and the list is still cut short."""
    with session_scope() as db:
        known = make_device(db, "osaka", serial="OPT818613").management_number
    mistyped = known.replace("OPT818613", "OPT818631")
    unreadable = [f"いつか,山田,{known},1.貸出中"] * (MAX_REPORTED + 1)  # no readable timestamp
    held = f"2026/01/01 09:00,山田,{mistyped},1.貸出中"
    sheet = "\n".join(["タイムスタンプ,0-1.担当者,0-2.拠点管理番号,0-4.ステータス", *unreadable, held]) + "\n"
    job = httpx.post(
        f"{live_api}/api/loaners/imports",
        data={"form_kind": "terminal"},
        files={"file": ("回答.csv", sheet.encode(), "text/csv")},
        headers=auth_headers(admin),
    ).json()
    work(job["id"])
    at = open_page(open_app, admin, IMPORT, **{"import": str(job["id"])})
    first_rows = f"最初の{MAX_REPORTED + 1:,}行を表示しています。"  # the unreadable rows' first and the held one
    assert first_rows in texts(at.caption)
    at = button(at, "新規として登録").click().run()
    assert f"{MAX_REPORTED + 1:,}行は取り込みませんでした。" in texts(at.warning)
    assert len(at.dataframe[0].value) == MAX_REPORTED + 1
    assert first_rows in texts(at.caption)
