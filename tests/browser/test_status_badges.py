"""Status colours in a browser without emoji fonts (an office PC, a kiosk), as every browser test's Chromium is: its
only font is a Japanese one without emoji (tests/browser/conftest.py). There an emoji is an empty box, so a state must
be its word on a coloured badge or cell: the fleet alert list and terminal list show their status words drawn in a
real font, each status cell in its colour, and the dashboard's and an alert's badges read the same.

Screenshots are saved under the test's tmp_path (run with --basetemp to keep them).
"""

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboards.components.badges import CELL_COLOURS
from service.fleet.models import Alert
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.support.streamlit_browser import TIMEOUT_MS, choose, drawn, open_from_sidebar, screenshot, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
# The shown data grid (a canvas) as rows: each cell's text from the grid's accessible table, and how many pixels of
# each colour cross the middle of the row as drawn (every row fits the grid: no scrolling).
SHOWN_ROWS = """() => {
  const grid = document.querySelector('[data-testid=stDataFrame]');
  const canvas = grid.querySelector('canvas[data-testid=data-grid-canvas]');
  const table = grid.querySelector('table[role=grid]');
  const headers = [...table.querySelectorAll('th')].map(th => th.textContent);
  const rows = [...table.querySelectorAll('tbody tr')];
  const height = canvas.height / (rows.length + 1);
  const context = canvas.getContext('2d');
  const hex = (data, i) => '#' + [0, 1, 2].map(k => data[i + k].toString(16).padStart(2, '0')).join('');
  return rows.map((row, index) => {
    const data = context.getImageData(0, Math.floor(height * (index + 1.5)), canvas.width, 1).data;
    const pixels = {};
    for (let i = 0; i < data.length; i += 4) pixels[hex(data, i)] = (pixels[hex(data, i)] || 0) + 1;
    const cells = Object.fromEntries([...row.querySelectorAll('td')].map((td, i) => [headers[i], td.textContent]));
    return {cells, pixels};
  });
}"""
# Which characters of a text this page's font draws as the empty box of a character no font has.
BOXES = """(text) => {
  const font = '700 14px ' + getComputedStyle(document.body).fontFamily;
  const draw = (s) => {
    const canvas = document.createElement('canvas');
    canvas.width = 40;
    canvas.height = 40;
    const context = canvas.getContext('2d');
    context.font = font;
    context.fillText(s, 8, 28);
    return canvas.toDataURL();
  };
  const box = draw(String.fromCodePoint(0xF0000));
  return [...text].filter(ch => draw(ch) === box);
}"""
BACKGROUND = "e => getComputedStyle(e).backgroundColor"
MIN_BACKGROUND_PIXELS = 40  # a coloured cell is far wider; a few antialiased text pixels may match by chance
MIN_TEXT_PIXELS = 3  # the word's strokes in the cell's text colour


@pytest.fixture
def page_without_emoji(browser: Browser) -> Page:
    """A 1900 px wide Japanese page (every column of the alert list in view) in the tests' Chromium, without emoji."""
    expect.set_options(timeout=TIMEOUT_MS)
    return browser.new_page(viewport={"width": 1900, "height": 1200}, locale="ja-JP")


@pytest.fixture
def fleet(db):
    """ABC商事: an online, an offline and a maintenance terminal; an offline alert past 初動確認 (5 minutes) and an
    acknowledged one a minute old, well within リモート診断 (15 minutes)."""
    customer = make_customer(db, "ABC商事")
    terminals = {
        status: make_terminal(db, customer, f"TC200-{n:04d}", store_name=f"{store}店", status=status)[0]
        for n, (status, store) in enumerate((("online", "新宿"), ("offline", "渋谷"), ("maintenance", "池袋")))
    }
    late = Alert(
        terminal_id=terminals["offline"].id,
        customer_id=customer.id,
        alert_type="offline",
        message="端末からの通信が途絶えました",
        created_at=ago(minutes=20),
    )
    acknowledged = Alert(
        terminal_id=terminals["online"].id,
        customer_id=customer.id,
        alert_type="high_cpu",
        message="CPU使用率が95%です",
        status="acknowledged",
        acknowledged_at=ago(seconds=30),
        acknowledged_by="運用 太郎",
        created_at=ago(minutes=1),
    )
    db.add_all([late, acknowledged])
    make_user(db, "root", name="運用 太郎", grants={"fleet": "admin"})
    db.commit()
    return late, acknowledged


def shown_rows(page: Page) -> list[dict]:
    """The page's data grid as drawn, once every run has ended and the grid has its rows."""
    grid = page.get_by_test_id("stDataFrame")
    expect(grid.locator("canvas[data-testid=data-grid-canvas]")).to_be_visible()
    expect(grid.locator("table[role=grid] td").first).to_be_attached()
    drawn(page)
    return page.evaluate(SHOWN_ROWS)


def colours_of(row: dict) -> set[str]:
    """The cell colours a row is drawn in, each with its text colour also drawn (the word on the colour)."""
    pixels = row["pixels"]
    return {
        colour
        for colour, (background, text) in CELL_COLOURS.items()
        if pixels.get(background, 0) >= MIN_BACKGROUND_PIXELS and pixels.get(text, 0) >= MIN_TEXT_PIXELS
    }


def assert_drawn_in_a_real_font(page: Page, words: list[str]) -> None:
    assert page.evaluate(BOXES, "🔴⚠") == ["🔴", "⚠"], "this browser must have no emoji font"
    assert page.evaluate(BOXES, "".join(words)) == [], f"drawn as empty boxes: {words}"


def assert_badge(page: Page, word: str, red: bool) -> None:
    """The badge with this word is visible and its background is red (or not)."""
    badge = page.locator(".stMarkdownBadge", has_text=word).first
    expect(badge).to_be_visible()
    r, g, b = map(int, badge.evaluate(BACKGROUND).removeprefix("rgb(").rstrip(")").split(", ")[:3])
    assert (r > g and r > b) == red, badge.evaluate(BACKGROUND)


def test_statuses_read_as_coloured_words_without_an_emoji_font(fleet, dashboards_url, page_without_emoji, tmp_path):
    late, acknowledged = fleet
    page = page_without_emoji
    sign_in(page, dashboards_url, "root", DEFAULT_PASSWORD, "ダッシュボード")
    assert_badge(page, "未解決", red=True)
    screenshot(page, tmp_path / "dashboard.png")

    open_from_sidebar(page, "アラート一覧")
    rows = {int(row["cells"]["ID"]): row for row in shown_rows(page)}
    assert rows[late.id]["cells"]["状態"] == "未対応"
    assert rows[late.id]["cells"]["SLA"].startswith("超過 初動確認（")
    assert colours_of(rows[late.id]) == {"red"}, "未対応 and 超過 both on red"
    assert rows[acknowledged.id]["cells"]["状態"] == "対応中"
    assert rows[acknowledged.id]["cells"]["SLA"].startswith("期限内 リモート診断（残り")
    assert colours_of(rows[acknowledged.id]) == {"blue", "green"}, "対応中 on blue, 期限内 on green"
    assert_drawn_in_a_real_font(page, [row["cells"][column] for row in rows.values() for column in ("状態", "SLA")])
    choose(page, "対応するアラート", f"#{late.id} ABC商事 - 渋谷店: オフライン（未対応）")
    assert_badge(page, "未対応", red=True)
    assert_badge(page, "初動確認: 期限超過", red=True)
    screenshot(page, tmp_path / "alerts.png")

    open_from_sidebar(page, "端末一覧")
    terminals = {row["cells"]["状態"]: colours_of(row) for row in shown_rows(page)}
    assert terminals == {"オンライン": {"green"}, "オフライン": {"red"}, "メンテナンス中": {"gray"}}
    assert_drawn_in_a_real_font(page, list(terminals))
    screenshot(page, tmp_path / "terminals.png")
