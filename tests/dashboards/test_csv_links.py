"""A list's CSV control is a link to the service's download of the whole filtered list: the link carries the list's
filters, and the browser's session cookie signs the download in."""

from urllib.parse import parse_qs, urlsplit

import httpx
from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import open_page
from tests.factories import make_user, token_for
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.support.downloads import csv_download

TERMINALS = "app_pages/fleet/terminals.py"


def csv_links(at: AppTest) -> list:
    return [link for link in at.get("link_button") if link.proto.label == "CSVダウンロード"]


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
    rows = csv_download(httpx.get(link.proto.url, headers={"Cookie": f"daicho_session={token_for(operator)}"}))
    assert [row[1] for row in rows[1:]] == ["ABC-1", "ABC-2"]


def a_list_without_rows() -> None:
    from dashboards import components

    components.paginated_table(
        "nothing", lambda **_: {"items": [], "total": 0}, dict, filters={"q": "x"}, export="/fleet/terminals/export"
    )


def test_an_empty_list_offers_no_download():
    assert not csv_links(AppTest.from_function(a_list_without_rows).run())
