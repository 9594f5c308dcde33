"""代理店CRM's team and queue pages: a sales manager's 「チームの依頼」 (counts by sales person and status equal to the
API's lists, a person's requests 不備 first and the oldest first), the input team's 「次の依頼を担当」 opening the
request taken, its assignee on the list and an admin's reassignment, and 代理店別数値's first-time-right cards."""

from tests.dashboards.conftest import button, click_row, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import made, submit
from tests.service.crm.requests.test_team import a_world
from tests.service.crm.test_visibility import make_manager

MINE = "app_pages/crm/my_requests.py"
QUEUE = "app_pages/crm/queue.py"
CASE = "app_pages/crm/case.py"
METRICS = "app_pages/crm/metrics.py"
TEAM = "crm_my_requests_team"


def table_at(at, key: str) -> int:
    """The position of the table under `key` (a paged list's table: its key's rows)."""
    return next(i for i, table in enumerate(at.dataframe) if (table.key or "").startswith(f"{key}_rows_"))


def frame(at, key: str) -> list[dict]:
    return at.dataframe[table_at(at, key)].value.to_dict("records")


def test_a_sales_manager_sees_the_teams_requests_counted_as_the_api_lists_them(db, client, world, open_app):  # noqa: F811
    ids = a_world(client, world)
    make_manager(client, world, "sales_a2")
    at = open_page(open_app, as_user(db, world, "sales_a2"), MINE)
    at.segmented_control(key="crm_my_requests_view").set_value("team").run()
    assert not at.exception, at.exception

    counts = frame(at, f"{TEAM}_counts")
    assert [(row["営業担当者"], row["不備"], row["対応中"], row["投入済"], row["合計"]) for row in counts] == [
        ("営業A", 1, 1, 1, 3),
        ("営業A2", 1, 1, 0, 2),
    ]
    assert "合計 5件（不備 2、対応中 2、投入済 1、一部キャンセル 0、キャンセル 0）" in texts(at.caption)
    for row, user in zip(counts, ("sales_a", "sales_a2"), strict=False):
        listed = client.get("/api/crm/requests", params={"requested_by": world.ids[user]}, headers=world.sales_a2)
        assert listed.json()["total"] == row["合計"]
    team_list = frame(at, TEAM)
    assert [row["依頼ID"] for row in team_list] == [
        ids["a_back"],
        ids["a2_back"],
        ids["a_open"],
        ids["a2_open"],
        ids["a_done"],
    ]

    click_row(at, 0, table=table_at(at, f"{TEAM}_counts"))
    assert {row["営業担当者"] for row in frame(at, TEAM)} == {"営業A"}
    assert [row["ステータス"] for row in frame(at, TEAM)] == ["不備", "対応中", "投入済"]

    own = open_page(open_app, as_user(db, world, "sales_a"), MINE)
    assert not own.segmented_control  # no team for who is no manager


def test_the_operator_takes_the_next_request_and_the_admin_gives_it_to_someone_else(db, client, world, open_app):  # noqa: F811
    older = made(submit(client, world.sales_a))["request"]["id"]
    made(submit(client, world.sales_a))
    at = open_page(open_app, as_user(db, world, "operator"), QUEUE)
    assert [row["担当者"] for row in frame(at, "crm_queue")] == ["未割当", "未割当"]

    button(at, "次の依頼を担当（未割当 2件）").click().run()
    assert not at.exception, at.exception
    assert texts(at.title) == ["案件詳細"]
    assert texts(at.success) == [f"依頼 #{older}（株式会社テスト商事）を担当しました。"]
    assert "**担当者** 投入担当（" in " ".join(texts(at.markdown))

    queue = open_page(open_app, as_user(db, world, "operator"), QUEUE)
    assert [row["担当者"] for row in frame(queue, "crm_queue")] == ["未割当", "投入担当"]
    assert button(queue, "次の依頼を担当（未割当 1件）")

    case = open_page(open_app, as_user(db, world, "admin"), CASE, id=str(older))
    case.selectbox(key=f"crm_case_assignee_{older}").select(world.ids["admin"])
    button(case, "担当者を保存").click().run()
    assert texts(case.success) == ["担当者を「管理者」にしました。"]
    assert (
        made(client.get(f"/api/crm/requests/{older}", headers=world.admin))["request"]["assigned_to"]
        == (world.ids["admin"])
    )


def test_the_metrics_page_shows_first_time_right_the_median_days_and_the_reasons(db, client, world, open_app):  # noqa: F811
    a_world(client, world)
    at = open_page(open_app, as_user(db, world, "operator"), METRICS)
    labels = [metric.label for metric in at.metric]
    assert "初回完了率" in labels and "投入済までの日数（中央値）" in labels
    rate = next(metric for metric in at.metric if metric.label == "初回完了率")
    assert rate.value == "100.0%"  # the one 投入済 request was never sent back
    reasons = next(table.value for table in at.dataframe if "不備理由" in table.value.columns)
    assert reasons.to_dict("records") == [{"順位": 1, "不備理由": "明細が読めません", "件数": 3}]
