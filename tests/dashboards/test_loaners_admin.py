"""代替機 › マスタ管理 and 回答シート取込 (admin): creating a location, an import's rejected rows."""

import httpx
import pytest

from tests.dashboards.conftest import DASHBOARDS, button, fill, open_page, texts
from tests.factories import auth_headers, make_user
from tests.service.loaners.conftest import initial_data  # noqa: F401
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the real Celery worker fixture

MASTERS = "app_pages/loaners/masters.py"
IMPORT = "app_pages/loaners/import.py"


@pytest.fixture
def admin(db):
    user = make_user(db, "loanadmin", grants={"loaners": "admin"})
    db.commit()
    return user


def test_admin_creates_a_location_after_the_form_checks_it(admin, open_app, live_api):
    at = open_page(open_app, admin, MASTERS)
    prefix = "loaners_masters_location_new_0"

    fill(at, prefix, id="Nagoya", code="NAGOYA", name="名古屋", jurisdiction="中部", email="chubu@example.com")
    at = button(at, "拠点を追加").click().run()
    assert texts(at.error) == ["拠点ID: 形式が正しくありません（英小文字と数字の1〜20文字で入力してください）"]

    fill(at, prefix, id="nagoya", code="NAGOYA", name="名古屋", jurisdiction="中部", email="chubu@example.com")
    at = button(at, "拠点を追加").click().run()

    assert "拠点「名古屋」を追加しました。" in texts(at.success)
    answer = httpx.get(f"{live_api}/api/loaners/locations/nagoya", headers=auth_headers(admin)).json()
    assert (answer["code"], answer["jurisdiction"], answer["status"]) == ("NAGOYA", "中部", "active")
    assert "名古屋" in at.dataframe[0].value["拠点名"].tolist()


def test_staff_cannot_open_the_masters(db, open_app):
    staff = make_user(db, "plainstaff", grants={"loaners": "staff"})
    db.commit()
    at = open_app(staff, script=DASHBOARDS / MASTERS)
    assert not at.exception
    assert texts(at.error) == [
        "「代替機 › マスタ管理」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    ]


@pytest.mark.slow
def rows_table(at):
    """The import's table of rows (行, 結果, …), beside the list of every import above it."""
    return next((frame.value for frame in at.dataframe if "行" in frame.value.columns), None)


def test_import_shows_the_dry_run_then_imports_the_rows_as_history(admin, open_app, live_api, start_worker):  # noqa: F811
    header = "タイムスタンプ,メールアドレス,0-1.担当者,0-2.拠点管理番号,0-4.ステータス,3-0.社内ステータス\n"
    rows = (
        "2024/07/01 09:00:00,a@example.com,山田,OSAKA_Laptop_ThinkPad-X1-Carbon_S1_001,3.社内にて保管中,1.貸出可能\n"
        "2024/07/02 09:00:00,a@example.com,山田,NAGOYA_Laptop_ThinkPad-X1-Carbon_S2_001,3.社内にて保管中,1.貸出可能\n"
        "2024/07/03 09:00:00,a@example.com,,OSAKA_Laptop_ThinkPad-X1-Carbon_S1_001,3.社内にて保管中,\n"
    )
    at = open_page(open_app, admin, IMPORT)
    at.file_uploader(key="loaners_import_file").set_value(("responses.csv", (header + rows).encode(), "text/csv"))
    at = button(at, "取込前に確認").click().run()
    assert [bar.proto.text for bar in at.get("progress")] == ["読み込み中: responses\\.csv"]  # the job's first step

    start_worker()

    def shown(check):
        def ready():
            at.run()
            return check()

        return ready

    wait_for_job(
        shown(lambda: rows_table(at) is not None),
        timeout=60,
        message="the dry run to finish and be shown",
    )
    plan = rows_table(at)
    assert plan["行"].tolist() == [2, 3, 4]
    assert plan["結果"].tolist() == ["取り込む", "読み取れない", "取り込む"]
    assert "拠点が見つかりません" in plan["理由・今のフォームとの違い"][1]
    assert "「0-1.担当者」は必須です" in plan["理由・今のフォームとの違い"][2]
    button(at, "取り込む").click().run()

    def finished():
        return any(
            text.startswith("取込が完了しました: 全3行のうち 2行を履歴に追加しました") for text in texts(at.success)
        )

    wait_for_job(
        shown(finished),
        timeout=60,
        message="the import job to finish and the page to show it",
    )
    assert texts(at.warning) == ["1行は取り込みませんでした。"]
    assert rows_table(at)["行"].tolist() == [3]
    device = httpx.get(f"{live_api}/api/loaners/devices", params={"q": "S1"}, headers=auth_headers(admin)).json()
    assert device["items"][0]["last_submitted_at"].startswith("2024-07-03T00:00:00")
