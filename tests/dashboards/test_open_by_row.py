"""Pages open a list's record on a click on its row, as their pickers and links do: the record's own page (端末詳細,
機器詳細, 案件詳細) or its forms under the list, the picker showing the same record; the record is the clicked row's
whatever its id is called (a reservation's code, a CRM user's user_id) and whether the list is paged or not."""

import pytest
from sqlalchemy import select

from service.database import session_scope
from service.fleet.models import Alert
from service.loaners.models import Device
from tests.dashboards.conftest import button, click_row, open_page
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.dashboards.test_reservations_console import person
from tests.factories import make_user
from tests.service.crm.conftest import corporation, made, submit
from tests.service.fleet.conftest import ago, make_customer, make_terminal
from tests.service.loaners.conftest import IN_HOUSE, answer, initial_data, make_device  # noqa: F401 - fixtures
from tests.service.reservations.conftest import book, catalog, sandbox  # noqa: F401 - fixtures


def shown(at, column: str, row: int, *, table: int = 0):
    """A cell of a shown table, as the page's picker names the record (ids as ints)."""
    value = at.dataframe[table].value[column].iloc[row]
    return value.item() if hasattr(value, "item") else value


def test_a_terminal_row_opens_its_detail_and_the_list_keeps_it_chosen(db, open_app):
    for name in ("A商事", "B商事", "C商事"):
        make_terminal(db, make_customer(db, name), f"TC-{name[0]}01")
    support = make_user(db, "fleet-support", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, "app_pages/fleet/terminals.py")
    terminal_id = shown(at, "ID", 1)

    click_row(at, 1)

    assert [t.value for t in at.title] == ["端末詳細"] and at.query_params["id"] == str(terminal_id)
    at.switch_page("app_pages/fleet/terminals.py").run()
    assert at.selectbox(key="fleet_terminals_detail").value == terminal_id, "the keyboard's picker shows it too"
    assert at.get("page_link")[0].proto.label == "TC-B01 の端末詳細を開く"


def test_an_alert_stays_open_after_a_write_that_changes_its_row(db, open_app):
    customer = make_customer(db, "ABC商事")
    for minutes, store in ((5, "新宿店"), (15, "渋谷店")):
        terminal, _ = make_terminal(db, customer, f"TC-{minutes:04d}", store_name=store, status="offline")
        db.add(
            Alert(
                terminal_id=terminal.id,
                customer_id=customer.id,
                alert_type="offline",
                message="通信途絶",
                created_at=ago(minutes=minutes),
            )
        )
    support = make_user(db, "fleet-support", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, "app_pages/fleet/alerts.py")
    alert_id = shown(at, "ID", 1)

    click_row(at, 1)
    assert at.selectbox(key="fleet_alerts_selected").value == alert_id
    button(at, "初動確認").click().run()

    assert at.selectbox(key="fleet_alerts_selected").value == alert_id
    assert at.subheader[0].value == f"#{alert_id} ABC商事 - 渋谷店: オフライン"
    assert shown(at, "状態", 1) == "対応中"


def test_a_device_row_opens_its_device_detail(db, open_app):
    with session_scope() as session:
        for serial in ("ABC123", "XYZ9"):
            answer(session, make_device(session, serial=serial), IN_HOUSE)
    staff = make_user(db, "loanstaff", grants={"loaners": "staff"})
    db.commit()
    at = open_page(open_app, staff, "app_pages/loaners/devices.py")
    number = shown(at, "拠点管理番号", 1)

    click_row(at, 1)

    device_id = db.scalar(select(Device.id).where(Device.management_number == number))
    db.commit()
    assert [t.value for t in at.title] == ["機器詳細"] and at.query_params["id"] == str(device_id)


def test_a_reservation_row_opens_it_by_its_code(catalog, db, open_app):  # noqa: F811
    for days in (3, 4, 5):
        book(catalog["service_id"], days=days)
    at = open_page(open_app, person(db, "operator"), "app_pages/reservations/detail.py")
    code = shown(at, "予約ID", 1)

    click_row(at, 1)

    assert at.selectbox(key="reservations_detail_code").value == code
    assert at.subheader[0].value.startswith(code)


def test_a_request_row_opens_its_case_detail(client, db, world, open_app):  # noqa: F811
    for name in ("株式会社アオバ食品", "株式会社ミドリ商事"):
        made(submit(client, world.sales_a, corporation=corporation(last_name=name)))
    at = open_page(open_app, as_user(db, world, "operator"), "app_pages/crm/queue.py")
    request_id = shown(at, "依頼ID", 1)

    click_row(at, 1)

    assert [t.value for t in at.title] == ["案件詳細"] and at.query_params["id"] == str(request_id)


def test_a_crm_user_row_opens_its_form_by_user_id(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), "app_pages/crm/users.py")
    user_id, name = shown(at, "ID", 1), shown(at, "氏名", 1)

    click_row(at, 1)

    assert at.selectbox(key="crm_users_chosen").value == user_id
    assert at.text_input(key="crm_users_edit_0_name").value == name


def test_a_master_row_of_an_unpaged_table_opens_its_code(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), "app_pages/crm/masters.py")
    code = shown(at, "コード", 1)

    click_row(at, 1)

    assert at.selectbox(key="crm_masters_options_edit_chosen").value == code


def test_a_customer_row_of_the_fitted_table_opens_the_customer(db, open_app):
    for name in ("ABC商事", "XYZ商店"):
        make_customer(db, name)
    admin = make_user(db, "fleetadmin", grants={"fleet": "admin"})
    db.commit()
    at = open_page(open_app, admin, "app_pages/fleet/customers.py")
    customer_id = shown(at, "ID", 1)

    click_row(at, 1)

    assert at.selectbox(key="fleet_customers_selected").value == customer_id


@pytest.mark.parametrize(("table", "column", "picker"), [(0, "保護者ID", "parent"), (1, "園児ID", "child")])
def test_a_parent_or_child_row_opens_it_under_its_tab(db, sakura, open_app, table, column, picker):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), "app_pages/entry_logs/roster.py")
    record_id = shown(at, column, 1, table=table)

    click_row(at, 1, table=table)

    assert at.selectbox(key=f"entry_logs_roster_{picker}").value == record_id
