"""端末管理's words (issue 89): on every fleet page, opened on the demo's fleet as an administrator (and each detail
page on a record of each kind), no code of the fleet's vocabulary (「store_offline」, 「maintenance_on」,
「acknowledged」) and no English word reaches a person: not in a title, a text, a message, a field's label or option,
a button, a metric, nor a table's header or cell. Latin letters that are the fleet's own names (a serial number
TC200-…, a firmware file, an e-mail address, CPU, PC, SLA, CSV, PDF, ID) are words people use here."""

import re
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import select

from service.fleet import labels
from service.fleet.models import Alert, Incident, Terminal
from tests.dashboards.conftest import open_page
from tests.factories import make_user
from tests.support.small_demo import load_small_fleet

pytestmark = pytest.mark.walk

SIGNED_IN = "点検 太郎"
PAGES = (
    "dashboard",
    "customers",
    "terminals",
    "stores",
    "alerts",
    "incidents",
    "terminal",
    "firmware",
    "reports",
)
# Names and numbers in Latin letters people use here: serial numbers, firmware files, e-mail addresses, addresses,
# digests, the text encodings, and Streamlit's badge and icon markup around words.
OWN_NAMES = re.compile(
    r"TC200-\w+|tc200-[\w.]+\.bin|[\w.+-]+@[\w.-]+|https?://\S+|\b[0-9a-f]{16,}\b|UTF-8|Shift_JIS"
    r"|:\w+-badge\[|:material/\w+:|\b(?:Slack|Excel)\b|\.(?:xlsx|csv)\b"  # a file's kind, as the file shows it
)
MARKDOWN_ESCAPE = re.compile(r"\\(.)")
WORD = re.compile(r"[A-Za-z_]{2,}")
ACRONYM = re.compile(r"[A-Z]+")  # ABC商事, SLA, CPU: a name or an abbreviation people read as it is
CODES = {
    code
    for table in (
        labels.ALERT_TYPES,
        labels.ALERT_STATUSES,
        labels.TERMINAL_STATUSES,
        labels.TERMINAL_BULK_ACTIONS,
        labels.ALERT_BULK_ACTIONS,
        labels.ROLLOUT_STATUSES,
        labels.TASK_STATUSES,
        labels.COMMAND_TYPES,
        labels.COMMAND_STATUSES,
        labels.EVENT_LEVELS,
        labels.EVENT_KINDS,
        labels.CONTRACT_TYPES,
        labels.PAUSE_REASONS,
    )
    for code in table
}
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "success", "error")
LABELLED_KINDS = ("button", "checkbox", "toggle", "text_input", "text_area", "number_input", "date_input", "expander")


def shown_texts(at) -> Iterator[str]:
    """Everything the run draws for a person to read."""
    for kind in TEXT_KINDS:
        yield from (str(element.value) for element in at.get(kind))
    for kind in LABELLED_KINDS:
        yield from (str(element.label) for element in at.get(kind))
    for kind in ("selectbox", "radio", "multiselect"):
        for element in at.get(kind):
            yield str(element.label)
            yield from (str(option) for option in element.options)
    for metric in at.get("metric"):
        yield from (str(metric.label), str(metric.value))
    for table in at.dataframe:
        frame = table.value.data if hasattr(table.value, "data") else table.value
        if isinstance(frame, pd.DataFrame):
            yield from (str(header) for header in frame.columns)
            yield from (str(cell) for cell in frame.astype(str).to_numpy().ravel())


def foreign_words(text: str) -> list[str]:
    """The vocabulary's codes and the English words left once the fleet's own names are taken out."""
    words = WORD.findall(OWN_NAMES.sub(" ", MARKDOWN_ESCAPE.sub(r"\1", text)))
    return [word for word in words if word in CODES or not ACRONYM.fullmatch(word)]


@pytest.fixture
def demo_fleet(db):
    load_small_fleet(db)
    admin = make_user(db, "walker", name=SIGNED_IN, grants={"fleet": "admin"})
    db.commit()
    return admin


def detail_pages(db) -> list[tuple[str, dict[str, str]]]:
    """One record of each kind that has a page of its own: a terminal, an alert, a store alert, an incident."""
    store_alert = db.scalar(select(Alert.id).where(Alert.alert_type == "store_offline").limit(1))
    alert = db.scalar(select(Alert.id).where(Alert.alert_type == "high_cpu").limit(1))
    incident = db.scalar(select(Incident.id).limit(1))
    terminal = db.scalar(select(Terminal.id).where(Terminal.status == "error").limit(1))
    found = [("terminal", terminal), ("alerts", alert), ("alerts", store_alert), ("incidents", incident)]
    db.commit()
    return [(page, {"id": str(record)}) for page, record in found if record is not None]


def test_no_code_or_english_word_reaches_a_person_on_a_fleet_page(db, demo_fleet, open_app):
    found = []
    for page, query in [(page, {}) for page in PAGES] + detail_pages(db):
        at = open_page(open_app, demo_fleet, f"app_pages/fleet/{page}.py", **query)
        for text in shown_texts(at):
            if SIGNED_IN in text:
                continue  # the sidebar's 「name（login）」, the platform's, as the audit log names people
            if words := foreign_words(text):
                found.append(f"{page}{query or ''}: {words} in {text[:120]!r}")
    assert found == [], "\n".join(sorted(set(found)))
