"""A list's CSV control is a link to the service's download of the whole filtered list: the link carries the list's
filters, and the browser's session cookie signs the download in."""

from urllib.parse import parse_qs, urlsplit

import httpx
from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import open_page
from tests.factories import make_user, token_for
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.support.downloads import csv_download, xlsx_download

TERMINALS = "app_pages/fleet/terminals.py"


def csv_links(at: AppTest) -> list:
    return [link for link in at.get("link_button") if link.proto.label == "CSVダウンロード"]


def file_link(at: AppTest, label: str):
    (link,) = [link for link in at.get("link_button") if link.proto.label == label]
    return link


def test_the_terminal_lists_link_carries_its_filters_and_downloads_them_all(db, open_app):
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    for n in range(3):
        make_terminal(db, abc, serial=f"ABC-{n}", status="error" if n else "online", enrolled=False)
    make_terminal(db, xyz, serial="XYZ-1", status="error", enrolled=False)
    operator = make_user(db, "op1", grants={"fleet": "operator"})
    db.commit()
    at = open_page(open_app, operator, TERMINALS)
    at.selectbox(key="fleet_terminals_status").select("error").run()
    at.text_input(key="fleet_terminals_q").input("ABC").run()

    (link,) = csv_links(at)
    url = urlsplit(link.proto.url)
    assert url.path == "/api/fleet/terminals/export"
    assert parse_qs(url.query) == {"q": ["ABC"], "status": ["error"], "sort": ["company_name"]}
    assert "全2件" in link.proto.help
    cookie = {"Cookie": f"daicho_session={token_for(operator)}"}
    rows = csv_download(httpx.get(link.proto.url, headers=cookie))
    assert [row[1] for row in rows[1:]] == ["ABC-1", "ABC-2"]
    excel, shift_jis = (file_link(at, label) for label in ("Excel（.xlsx）", "CSV（Shift_JIS）"))
    assert parse_qs(urlsplit(excel.proto.url).query) == parse_qs(url.query) | {"format": ["xlsx"]}
    assert [row[1] for row in xlsx_download(httpx.get(excel.proto.url, headers=cookie))[1:]] == ["ABC-1", "ABC-2"]
    assert parse_qs(urlsplit(shift_jis.proto.url).query) == parse_qs(url.query) | {"encoding": ["shift_jis"]}
    assert "全2件" in excel.proto.help and "Shift_JIS" in shift_jis.proto.help


def a_list_without_rows() -> None:
    from dashboards.components import tables

    tables.paginated_table(
        "nothing", lambda **_: {"items": [], "total": 0}, dict, filters={"q": "x"}, export="/fleet/terminals/export"
    )


def test_an_empty_list_offers_no_download():
    assert not csv_links(AppTest.from_function(a_list_without_rows).run())
