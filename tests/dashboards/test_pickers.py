"""Record pickers keep the chosen record by id: a write that changes its label (a status, a name) does not make the
next form on the same record silently do nothing. Each test makes two writes in a row on one record, with the
selectboxes sending back what a browser holds (browser_selects), and checks both landed through the API."""

import httpx
import pytest

from service.entry_logs.models import Parent
from tests.dashboards.conftest import button, fill, open_page, texts
from tests.dashboards.test_admin_pages import USERS as ADMIN_USERS
from tests.dashboards.test_admin_pages import admin, api_user  # noqa: F401 - fixture
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.dashboards.test_crm_admin import AGENCIES
from tests.dashboards.test_crm_admin import USERS as CRM_USERS
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixture
from tests.dashboards.test_entry_logs_roster import ROSTER, stored, submit
from tests.dashboards.test_fleet_alerts import ALERTS, alerts  # noqa: F401 - fixture
from tests.dashboards.test_fleet_customers import CUSTOMERS, api_customers
from tests.dashboards.test_fleet_firmware import FIRMWARE, api_rollout, fleet, upload  # noqa: F401 - fixture
from tests.dashboards.test_loaners_masters import EDIT as MODEL_EDIT
from tests.dashboards.test_loaners_masters import MASTERS
from tests.dashboards.test_loaners_masters import admin as loaners_admin  # noqa: F401 - fixture
from tests.dashboards.test_reservations_admin import CATALOG, INCIDENTS
from tests.dashboards.test_reservations_console import person
from tests.dashboards.test_reservations_detail import DETAIL
from tests.dashboards.test_reservations_queue import QUEUE, ambiguous  # noqa: F401 - fixture
from tests.factories import auth_headers, make_user
from tests.service.crm.conftest import add_site, made
from tests.service.crm.conftest import submit as submit_request
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.service.loaners.conftest import initial_data  # noqa: F401 - fixture
from tests.service.reservations.conftest import book, catalog, deliver_due, sandbox, state  # noqa: F401 - fixtures

# pinned to the SQLite pass, which has the lighter share of the slow modules (see `make test`'s summary)
pytestmark = [pytest.mark.usefixtures("browser_selects"), pytest.mark.embedded_only]


def edit_field(at, form: str, label: str):
    """The text input with this label in the edit form whose widget keys start with `form`."""
    [widget] = [w for w in at.text_input if w.label == label and w.key.startswith(form)]
    return widget


def test_an_alert_takes_a_note_and_an_assignee_after_its_first_look(alerts, open_app, live_api):  # noqa: F811
    late, _, support = alerts
    at = open_page(open_app, support, ALERTS)
    at.selectbox(key="fleet_alerts_selected").select(late.id).run()
    at = button(at, "初動確認").click().run()

    at.text_area(key=f"fleet_alerts_note_{late.id}_0_body").input("店舗に電話")
    at = button(at, "メモを追加").click().run()
    at.selectbox(key=f"fleet_alerts_assignee_{late.id}").select(support.id)
    at = button(at, "担当者を設定").click().run()

    notes = httpx.get(f"{live_api}/api/fleet/alerts/{late.id}/notes", headers=auth_headers(support)).json()
    assert [n["body"] for n in notes] == ["店舗に電話"]
    alert = httpx.get(f"{live_api}/api/fleet/alerts/{late.id}", headers=auth_headers(support)).json()
    assert alert["assignee_name"] == "佐藤"


def test_a_manual_operation_takes_a_note_after_its_assignee(ambiguous, db, open_app, live_api):  # noqa: F811
    operator = person(db, "operator")
    at = open_page(open_app, operator, QUEUE)
    at.selectbox(key="reservations_queue_selected").select_index(0).run()
    at = button(at, "担当者を設定").click().run()
    assert texts(at.success) == ["担当者を「operatorさん」にしました。"]

    at.text_area(key=f"reservations_queue_note_{ambiguous}_0_body").input("店舗に折り返し依頼")
    at = button(at, "メモを追加").click().run()

    assert texts(at.success) == ["対応メモを追加しました。"]
    detail = httpx.get(f"{live_api}/api/reservations/reservations/{ambiguous}", headers=auth_headers(operator)).json()
    assert [note["body"] for note in detail["notes"]] == ["店舗に折り返し依頼"]


def test_a_renamed_customer_takes_a_second_edit(db, open_app, live_api):
    abc = make_user(db, "fleetadmin", grants={"fleet": "admin"})
    customer = make_customer(db, "ABC商事")
    db.commit()
    at = open_page(open_app, abc, CUSTOMERS)
    at.selectbox(key="fleet_customers_selected").select(customer.id).run()
    prefix = f"fleet_customers_edit_{customer.id}"
    at = button(fill(at, prefix, name="ABCホールディングス"), "保存").click().run()
    assert "顧客「ABCホールディングス」を保存しました。" in texts(at.success)

    at = button(fill(at, prefix, person="鈴木"), "保存").click().run()

    [saved] = api_customers(live_api, abc, "ABC")
    assert (saved["company_name"], saved["contact_person"]) == ("ABCホールディングス", "鈴木")


def test_a_paused_rollout_that_is_not_the_first_can_be_resumed(fleet, db, open_app, live_api):  # noqa: F811
    abc, admin_user, operator = fleet
    xyz = make_customer(db, "XYZ商店")
    make_terminal(db, xyz, "TC-X", status="online")
    db.commit()
    rollouts = []
    for customer, version in ((abc, "1.2.0"), (xyz, "1.3.0")):
        release = upload(live_api, admin_user, version)
        answer = httpx.post(
            f"{live_api}/api/fleet/rollouts",
            headers=auth_headers(admin_user),
            json={"release_id": release["id"], "target": {"customer_id": customer.id}, "waves": [100]},
        )
        rollouts.append(answer.raise_for_status().json()["id"])
    at = open_page(open_app, operator, FIRMWARE)
    chosen = next(i for i in rollouts if i != at.selectbox(key="fleet_firmware_rollout").value)
    at.selectbox(key="fleet_firmware_rollout").select(chosen).run()
    at = button(at, "一時停止").click().run()
    assert api_rollout(live_api, operator, chosen)["status"] == "paused"

    at = button(at, "再開").click().run()

    assert api_rollout(live_api, operator, chosen)["status"] == "running"


def test_a_cancelled_reservation_takes_a_manual_operation(catalog, db, open_app, live_api):  # noqa: F811
    code = book(catalog["service_id"], name="佐藤花子")
    deliver_due()
    operator = person(db, "operator")
    at = open_page(open_app, operator, DETAIL)
    at.selectbox(key="reservations_detail_code").select(code).run()
    at.text_input(key=f"reservations_detail_cancel_reason_{code}").input("依頼者の希望")
    at.checkbox(key=f"reservations_detail_cancel_ok_{code}").check()
    at = button(at, "キャンセルする").click().run()
    assert state(code) == "cancelled"

    at.selectbox(key=f"reservations_detail_op_0_type_{code}").select("late_cancellation")
    at.text_input(key=f"reservations_detail_op_0_reason_{code}").input("返金の確認")
    at = button(at, "手動対応を登録").click().run()

    detail = httpx.get(f"{live_api}/api/reservations/reservations/{code}", headers=auth_headers(operator)).json()
    assert [o["op_type"] for o in detail["operations"]] == ["late_cancellation"]


def test_a_site_sent_back_stays_chosen_for_its_next_move(db, world, client, open_app):  # noqa: F811
    request_id = made(submit_request(client, world.sales_a))["request"]["id"]
    first, second = (add_site(client, world, request_id, power_branch_name=name) for name in ("渋谷店", "新宿店"))
    at = open_page(open_app, as_user(db, world, "operator"), "app_pages/crm/case.py", id=str(request_id))
    at.selectbox(key="crm_case_site").select(second["id"]).run()
    at.session_state[f"crm_case_site_{second['id']}_deficiency_open"] = True  # its expander opened
    at.run()
    at.text_area(key=f"crm_case_site_{second['id']}_deficiency_0_reason").input("明細が読めません")
    at = at.button(key=f"crm_case_site_{second['id']}_deficiency_send").click().run()
    assert texts(at.success) == ["不備を登録し、営業担当者に通知しました。"]

    at = button(at, "対応中に戻す").click().run()

    sites = {
        s["id"]: s["status"]
        for s in made(client.get(f"/api/crm/requests/{request_id}", headers=world.operator))["sites"]
    }
    assert sites == {first["id"]: first["status"], second["id"]: "in_progress"}


def test_a_renamed_crm_user_takes_a_second_edit(db, world, client, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), CRM_USERS)
    at.selectbox(key="crm_users_chosen").select(world.ids["sales_a"]).run()
    edit_field(at, "crm_users_edit", "氏名").input("営業A（改）")
    at = button(at, "保存").click().run()
    assert texts(at.success) == ["ユーザー「営業A（改）」を保存しました。"]

    edit_field(at, "crm_users_edit", "Lコード").input("L0009")
    at = button(at, "保存").click().run()

    saved = made(client.get(f"/api/crm/users/{world.ids['sales_a']}", headers=world.admin))
    assert (saved["name"], saved["l_code"]) == ("営業A（改）", "L0009")


def test_a_renamed_agency_takes_a_second_edit(db, world, client, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), AGENCIES)
    at.selectbox(key="crm_agencies_chosen").select(world.agency_a).run()
    edit_field(at, "crm_agencies_edit", "代理店名（必須）").input("株式会社AAA代理店（新）")
    at = button(at, "保存").click().run()
    assert texts(at.success) == ["代理店「株式会社AAA代理店（新）」を保存しました。"]

    edit_field(at, "crm_agencies_edit", "電話番号").input("03-1111-2222")
    at = button(at, "保存").click().run()

    saved = made(client.get(f"/api/crm/agencies/{world.agency_a}", headers=world.admin))
    assert (saved["name"], saved["phone"]) == ("株式会社AAA代理店（新）", "03-1111-2222")


def test_a_renamed_user_takes_a_grant(admin, db, open_app, live_api):  # noqa: F811
    user = make_user(db, "tanaka", name="田中", grants={"fleet": "viewer"})
    db.commit()
    at = open_page(open_app, admin, ADMIN_USERS)
    at.selectbox(key="admin_users_selected").select(user.id).run()
    at.text_input(key=f"admin_users_edit_name_{user.id}").input("田中 花子")
    at = button(at, "保存").click().run()
    assert "ユーザー「tanaka」を保存しました。" in texts(at.success)

    at.selectbox(key=f"admin_users_role_{user.id}_fleet").select("operator").run()
    at = button(at, "権限を保存").click().run()

    saved = api_user(live_api, admin, "tanaka")
    assert saved["name"] == "田中 花子"
    assert [(g["domain"], g["role"]) for g in saved["grants"]] == [("fleet", "operator")]


def test_a_renamed_shop_takes_a_second_edit(catalog, db, open_app, live_api):  # noqa: F811
    operator = person(db, "operator")
    shop_id = catalog["shop_ids"][0]
    at = open_page(open_app, operator, CATALOG)
    at.selectbox(key="reservations_catalog_shop_selected").select(shop_id).run()
    edit = f"reservations_catalog_edit_shop_{shop_id}"
    at.text_input(key=f"{edit}_name").input("新宿クリーン")
    at = button(at, "変更を保存").click().run()
    assert texts(at.success) == ["「提携店1」を更新しました。"]

    at.text_input(key=f"{edit}_email").input("shinjuku@example.jp")
    at = button(at, "変更を保存").click().run()

    shops = httpx.get(f"{live_api}/api/reservations/shops", headers=auth_headers(operator)).json()["items"]
    assert {(s["name"], s["email"]) for s in shops if s["id"] == shop_id} == {("新宿クリーン", "shinjuku@example.jp")}


def test_a_retitled_incident_takes_a_second_update(db, open_app, live_api):
    support = person(db, "support")
    at = open_page(open_app, support, INCIDENTS)
    at.text_input(key="reservations_incidents_new_0_title").input("SMS送信の遅延")
    at = button(at, "記録する").click().run()
    incident_id = at.dataframe[0].value["ID"][0]
    at.selectbox(key="reservations_incidents_selected").select(incident_id).run()
    at.text_input(key=f"reservations_incidents_edit_{incident_id}_title").input("SMS送信の遅延（復旧済み）")
    at = button(at, "更新する").click().run()
    assert texts(at.success) == [f"インシデント #{incident_id} を更新しました。"]

    at.text_area(key=f"reservations_incidents_edit_{incident_id}_cause").input("送信業者の障害")
    at = button(at, "更新する").click().run()

    [incident] = httpx.get(f"{live_api}/api/reservations/incidents", headers=auth_headers(support)).json()["items"]
    assert (incident["title"], incident["cause"]) == ("SMS送信の遅延（復旧済み）", "送信業者の障害")


def test_a_renamed_model_takes_a_second_edit(loaners_admin, open_app, live_api):  # noqa: F811
    at = open_page(open_app, loaners_admin, MASTERS)
    at.selectbox(key="loaners_masters_model_chosen").set_value("MODEL_002").run()
    at.text_input(key=f"{MODEL_EDIT.format('MODEL_002')}_name").input("OptiPlex-7090-Plus")
    at = button(at, "保存").click().run()
    assert texts(at.success) == ["機種「OptiPlex\\-7090\\-Plus」を保存しました。"]

    at.text_input(key=f"{MODEL_EDIT.format('MODEL_002')}_maker").input("Dell Technologies")
    at = button(at, "保存").click().run()

    model = httpx.get(f"{live_api}/api/loaners/models/MODEL_002", headers=auth_headers(loaners_admin)).json()
    assert (model["name"], model["maker"]) == ("OptiPlex-7090-Plus", "Dell Technologies")


def test_a_renamed_parent_takes_a_second_edit(db, sakura, open_app):  # noqa: F811
    parent = sakura.parents[1]
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    at.selectbox(key="entry_logs_roster_parent").select(parent.id).run()
    fill(at, f"entry_logs_roster_parent_{parent.id}_0", name="sakura保護者1（母）")
    at = submit(at, f"parent_{parent.id}", "保存")
    assert texts(at.success) == ["保護者「sakura保護者1（母）」を保存しました。"]

    fill(at, f"entry_logs_roster_parent_{parent.id}_1", phone="")  # the saved form's next round
    at = submit(at, f"parent_{parent.id}", "保存")

    assert stored(db, Parent, phone=Parent.phone)[1] == ("sakura保護者1（母）", "")
