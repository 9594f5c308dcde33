"""Status colours: status_cells (a table's status column as the word on a coloured cell), word_colours, and the
colour maps the pages keep, which may only name colours a badge and a cell both have."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.app_pages.fleet import common as fleet_common
from dashboards.app_pages.loaners import common as loaners_common
from dashboards.app_pages.reservations import common as reservations_common
from dashboards.components import badges
from tests.dashboards.conftest import cell_colours, colours_in_css

ALERTS = pd.DataFrame({"ID": [1, 2, 3, 4], "状態": ["未対応", "対応中", "解決済み", "保留"]})
STATES = {"未対応": "red", "対応中": "blue", "解決済み": "green"}
BADGE_COLOURS = {"red", "orange", "yellow", "green", "blue", "violet", "gray", "grey", "primary"}


def colours(styler) -> dict[tuple[int, int], str]:
    """(row, column) -> the colour a Styler gives that cell, as its HTML's CSS says."""
    return colours_in_css(styler.to_html())


def test_each_known_word_gets_its_colour_and_an_unknown_one_stays_plain():
    styler = badges.status_cells(ALERTS, "状態", STATES)

    assert colours(styler) == {(0, 1): "red", (1, 1): "blue", (2, 1): "green"}, "保留 and the ID column stay plain"


def test_a_function_colours_by_the_leading_word_and_calls_chain_on_a_styler():
    frame = ALERTS.assign(SLA=["超過 初動確認（3分超過）", "間近 初動確認（残り2分）", "期限内に解決", "-"])

    styler = badges.status_cells(badges.status_cells(frame, "状態", STATES), "SLA", fleet_common.sla_colour)

    assert [colours(styler).get((row, 2)) for row in range(4)] == ["red", "orange", "green", None]
    assert colours(styler)[(0, 1)] == "red", "the first call's colours stay"


def test_a_missing_column_leaves_the_table_plain():
    styler = badges.status_cells(ALERTS, "SLA", fleet_common.sla_colour)
    assert colours(styler) == {}


@pytest.mark.parametrize(("colour", "background"), [("grey", "#e9ecef"), ("gray", "#e9ecef"), ("yellow", "#fff3bf")])
def test_cell_style_knows_every_badge_spelling(colour, background):
    assert badges.cell_style(colour).startswith(f"background-color: {background}")


def test_a_cell_is_bold_dark_text_on_a_light_background_of_one_hue():
    assert badges.cell_style("red") == "background-color: #ffd6d6; color: #8a1c1c; font-weight: 700"


def test_cell_style_of_no_colour_or_an_unknown_one_is_empty():
    assert badges.cell_style(None) == badges.cell_style("violet-ish") == ""


def test_word_colours_maps_shown_words_and_skips_codes_without_a_colour():
    words = {"open": "未対応", "acknowledged": "対応中", "resolved": "解決済み", "new_state": "新しい状態"}

    assert badges.word_colours(words, fleet_common.ALERT_STATUS_COLOURS) == STATES


def shown_table_and_badge() -> None:
    import pandas as pd

    from dashboards.components import badges, tables

    frame = pd.DataFrame({"ID": [1, 2, 3], "状態": ["オンライン", "オフライン", "メンテナンス中"]})
    words = {"online": "オンライン", "offline": "オフライン", "maintenance": "メンテナンス中"}
    colours = {"online": "green", "offline": "red", "maintenance": "gray"}
    badges.status_badge("offline", "オフライン", colours=colours)
    tables.paginated_table(
        "terminals",
        lambda page, page_size: {"items": frame.to_dict("records"), "total": len(frame)},
        lambda row: row,
        style=lambda shown: badges.status_cells(shown, "状態", badges.word_colours(words, colours)),
    )


def test_a_shown_table_carries_its_cell_colours_beside_the_words():
    at = AppTest.from_function(shown_table_and_badge).run()

    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == [":red-badge[オフライン]"]
    table = at.dataframe[0]
    assert table.value["状態"].tolist() == ["オンライン", "オフライン", "メンテナンス中"]
    assert cell_colours(table, "状態") == ["green", "red", "gray"]
    assert cell_colours(table, "ID") == [None, None, None]


COLOUR_MAPS = {
    name: value
    for module in (badges, fleet_common, reservations_common, loaners_common)
    for name, value in vars(module).items()
    if name.endswith("_COLOURS") and name != "CELL_COLOURS" and isinstance(value, dict)
}


@pytest.mark.parametrize("name", sorted(COLOUR_MAPS))
def test_every_colour_map_names_colours_a_badge_and_a_cell_both_have(name):
    colours = set(COLOUR_MAPS[name].values())
    assert colours <= BADGE_COLOURS & (set(badges.CELL_COLOURS) | {"grey"}), colours
