"""A shared list whose rows open their record when clicked: the record is kept by id, never by row position."""

import json

from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import click_row, turn_page


def clickable_list() -> None:
    """Seven records, three a page, filtered by 種類; a click opens a record in the picker below the list.

    session_state["opened"] logs every record open_record was called with; "reversed" turns the list around (as a
    write that moves rows would)."""
    import streamlit as st

    from dashboards.components import pickers, tables

    records = [{"id": 10 * n, "name": f"記録{n}", "even": n % 2 == 0} for n in range(1, 8)]
    st.session_state.setdefault("opened", [])

    def fetch(page: int, page_size: int, kind: str) -> dict:
        found = [r for r in records if kind == "すべて" or r["even"]]
        if st.session_state.get("reversed"):
            found.reverse()
        return {"items": found[(page - 1) * page_size : page * page_size], "total": len(found)}

    kind = st.selectbox("種類", ["すべて", "偶数"], key="kind")
    listed = tables.paginated_table(
        "records",
        fetch,
        lambda record: {"名前": record["name"]},
        filters={"kind": kind},
        page_size=3,
        picker="records_picker",
        open_record=lambda record: st.session_state["opened"].append(record),
    )
    shown_as = {record["id"]: record["name"] for record in listed["items"]}
    pickers.record_picker("開く記録", shown_as, "records_picker", placeholder="記録を選択")


def selected_rows(at: AppTest) -> list[int]:
    """The rows the table shows selected (the open record's)."""
    return json.loads(at.dataframe[0].proto.selection_default or "{}").get("selection", {}).get("rows", [])


def opened_names(at: AppTest) -> list[str]:
    return [record["name"] for record in at.session_state["opened"]]


def test_a_click_opens_the_rows_record_and_chooses_it_in_the_picker():
    at = AppTest.from_function(clickable_list).run()
    assert selected_rows(at) == [] and at.selectbox(key="records_picker").value is None

    click_row(at, 1)

    assert opened_names(at) == ["記録2"]
    assert at.session_state["opened"][0] == {"id": 20, "name": "記録2", "even": True}, "the row's API item"
    assert at.selectbox(key="records_picker").value == 20, "the picker shows the clicked record"
    assert selected_rows(at) == [1]

    at.run()
    assert opened_names(at) == ["記録2"], "a rerun opens nothing"

    click_row(at, 2)
    assert opened_names(at) == ["記録2", "記録3"] and at.selectbox(key="records_picker").value == 30


def test_the_open_row_follows_the_record_when_a_write_moves_it():
    at = AppTest.from_function(clickable_list).run()
    at.selectbox(key="kind").select("偶数").run()
    click_row(at, 0)
    assert opened_names(at) == ["記録2"] and selected_rows(at) == [0]

    at.session_state["reversed"] = True
    at.run()

    assert at.dataframe[0].value["名前"].tolist() == ["記録6", "記録4", "記録2"]
    assert selected_rows(at) == [2], "記録2 is still the open row, not whichever row is first"
    assert at.selectbox(key="records_picker").value == 20
    assert opened_names(at) == ["記録2"]


def test_the_picker_and_the_table_agree_on_the_open_record():
    at = AppTest.from_function(clickable_list).run()

    at.selectbox(key="records_picker").select(30).run()

    assert selected_rows(at) == [2], "a record chosen with the keyboard is the row shown selected"
    assert opened_names(at) == [], "choosing in the picker is not a click"


def test_another_page_or_filter_never_reopens_a_row_chosen_before():
    at = AppTest.from_function(clickable_list).run()
    click_row(at, 0)
    assert opened_names(at) == ["記録1"]

    turn_page(at, 2)
    assert at.dataframe[0].value["名前"].tolist() == ["記録4", "記録5", "記録6"]
    assert opened_names(at) == ["記録1"] and selected_rows(at) == [], "row 0 of page 2 is not 記録1"
    click_row(at, 0)
    assert opened_names(at) == ["記録1", "記録4"]

    at.selectbox(key="kind").select("偶数").run()
    assert at.dataframe[0].value["名前"].tolist() == ["記録2", "記録4", "記録6"]
    assert opened_names(at) == ["記録1", "記録4"] and selected_rows(at) == [1], "記録4 stays open, at its new row"
