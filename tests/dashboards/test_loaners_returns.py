"""代替機 › 返却待ち: a 関西 clerk's devices to bring home, longest first with their days, per location; SUMMARY's age
card opens the list filtered to its rows; a row opens the device, which says since when it is 返却可能."""

from urllib.parse import parse_qsl

from tests.dashboards.conftest import click_row, csv_link_rows, open_page, texts
from tests.factories import make_user
from tests.service.loaners.conftest import initial_data  # noqa: F401
from tests.service.loaners.returns.test_returns import followed  # noqa: F401 - the devices' histories

RETURNS = "app_pages/loaners/returns.py"
SUMMARY = "app_pages/loaners/summary.py"


def serials(at) -> list[str]:
    return [number.split("_")[3] for number in at.dataframe[0].value["拠点管理番号"]]


def test_a_clerk_lists_the_devices_to_bring_home_longest_first_and_per_location(db, followed, open_app):  # noqa: F811
    clerk = make_user(db, "kansai-clerk", grants={"loaners": ("staff", "関西")})
    db.commit()
    at = open_page(open_app, clerk, RETURNS)
    assert serials(at) == ["F", "D", "A", "B", "C"]  # 関東's G is not theirs; HW maintenance is not followed
    assert at.dataframe[0].value["日数"].tolist() == [45, 40, 20, 5, 3]
    assert [row[1].split("_")[3] for row in csv_link_rows(at, clerk)[1:]] == ["F", "D", "A", "B", "C"]

    at.selectbox(key="loaners_returns_location").select("osaka").run()
    at.selectbox(key="loaners_returns_held_status").select("1.返却可能").run()
    assert serials(at) == ["A", "B", "C"]
    assert [row[1].split("_")[3] for row in csv_link_rows(at, clerk)[1:]] == ["A", "B", "C"]

    at = click_row(at, 0)
    assert [t.value for t in at.title] == ["機器詳細"]
    assert any("返却可能」になってから 20日（" in text for text in texts(at.caption))


def test_the_summarys_overdue_card_opens_the_list_of_its_devices(db, followed, open_app):  # noqa: F811
    clerk = make_user(db, "kansai-clerk", grants={"loaners": ("staff", "関西")})
    db.commit()
    at = open_page(open_app, clerk, SUMMARY)
    cards = {metric.label: metric.value for metric in at.metric}
    assert (cards["返却可能 〜7日"], cards["返却可能 〜30日"], cards["返却可能 30日超"]) == ("2台", "1台", "1台")
    overdue = next(link for link in at.main.get("page_link") if link.proto.query_string.endswith("min_days=31"))
    assert (overdue.proto.page, overdue.proto.label) == ("loaners-returns", "一覧を開く")
    at = open_page(open_app, clerk, RETURNS, **dict(parse_qsl(overdue.proto.query_string)))
    assert serials(at) == ["F"]
