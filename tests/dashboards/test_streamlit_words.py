"""Streamlit's own words on the fields, as far as the app's runs say them (issue 81; the browser shows the rest,
tests/browser/test_streamlit_words.py): every run draws the style and script that put Streamlit's own English in
Japanese (components.japanese); on the login form and 代理店CRM › 案件詳細's 地点入力 a
field's placeholder is the page's Japanese or none (none given, Streamlit's own is put in Japanese by the script), a
date field is written YYYY/MM/DD (drawn 年/月/日 while empty) and the site's empty date field is drawn empty."""

import re

from dashboards import formats
from dashboards.components import japanese
from tests.dashboards.conftest import open_page
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import add_site, made, submit

CASE = "app_pages/crm/case.py"
FIELD_KINDS = ("text_input", "text_area", "number_input", "selectbox", "multiselect", "date_input", "time_input")
LATIN = re.compile("[A-Za-z]")


def fields(at) -> list:
    return [element for kind in FIELD_KINDS for element in at.get(kind)]


def english_placeholders(at) -> list[str]:
    """The fields' placeholders with a Latin letter, as 'label: placeholder'."""
    return [
        f"{element.label}: {element.proto.placeholder}"
        for element in fields(at)
        if hasattr(element.proto, "placeholder") and LATIN.search(element.proto.placeholder)
    ]


def test_every_run_draws_the_words_that_put_streamlits_in_japanese(open_app):
    at = open_app()

    drawn = [element.proto.body for element in at.get("html")]
    assert f"<style>{japanese.STYLE.read_text()}</style>" in drawn
    assert f"<script>{japanese.SCRIPT.read_text()}</script>" in drawn
    assert [field.label for field in fields(at)] == ["ログインID", "パスワード"]
    assert english_placeholders(at) == []


def test_a_sites_fields_have_japanese_placeholders_and_year_month_day_dates(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    add_site(client, world, request_id)
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))

    assert len(fields(at)) > 20  # the site's form is drawn
    assert english_placeholders(at) == []
    dates = {element.label: element for element in at.date_input}
    assert {element.proto.format for element in dates.values()} == {formats.DATE_INPUT}
    assert dates["入居日/開業日"].value is None
