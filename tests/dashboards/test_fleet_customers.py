"""端末管理 › 顧客一覧: add and edit forms checked before sending, the CSV import of terminals run by a real worker."""

import httpx
import pytest

from service.fleet import labels
from tests.dashboards.conftest import button, fill, open_page, texts
from tests.dashboards.test_fleet_dashboard import assert_fits_1440
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import make_customer
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the real Celery worker fixture

CUSTOMERS = "app_pages/fleet/customers.py"


@pytest.fixture
def admin(db):
    user = make_user(db, "fleetadmin", grants={"fleet": "admin"})
    db.commit()
    return user


def api_customers(live_api: str, user, q: str) -> list[dict]:
    return httpx.get(f"{live_api}/api/fleet/customers", params={"q": q}, headers=auth_headers(user)).json()["items"]


def test_admin_adds_a_customer_after_the_form_checks_it(admin, open_app, live_api):
    at = open_page(open_app, admin, CUSTOMERS)

    fill(at, "fleet_customers_new_0", name="田中ストア", email="tanaka@", phone="03-1234-ABCD")
    at = button(at, "追加").click().run()
    assert texts(at.error) == [
        "担当者を入力してください。",
        "連絡先メール: 形式が正しくありません（「名前@ドメイン」の形（例: name@example.com）で入力してください）",
        "電話番号: 形式が正しくありません（数字を含む、半角数字と「+」「-」「(」「)」・空白で入力してください）",
    ]
    assert api_customers(live_api, admin, "田中") == []

    fill(
        at,
        "fleet_customers_new_0",
        name="田中ストア",
        person="田中 一郎",
        email="tanaka@example.jp",
        phone="03-1234-5678",
    )
    at.selectbox(key="fleet_customers_new_0_contract").select("premium")
    at = button(at, "追加").click().run()

    assert "顧客「田中ストア」を追加しました。" in texts(at.success)
    [created] = api_customers(live_api, admin, "田中")
    assert (created["contact_person"], created["contract_type_label"]) == ("田中 一郎", "プレミアム保守")
    assert at.dataframe[0].value["契約種別"].tolist() == ["プレミアム保守"]
    assert_fits_1440(at.dataframe[0])


def test_admin_edits_a_customer_and_a_taken_name_shows_the_apis_message(admin, db, open_app, live_api):
    abc = make_customer(db, "ABC商事", contact_phone="03-0000-0000")
    make_customer(db, "XYZ商店")
    db.commit()
    at = open_page(open_app, admin, CUSTOMERS)
    at.selectbox(key="fleet_customers_selected").select(abc.id).run()
    prefix = f"fleet_customers_edit_{abc.id}"

    fill(at, prefix, name="XYZ商店")
    at = button(at, "保存").click().run()
    assert texts(at.error) == ["この会社名は既に登録されています"]

    fill(at, prefix, name="ABC商事", person="鈴木", phone="045-000-1111")
    at = button(at, "保存").click().run()

    assert "顧客「ABC商事」を保存しました。" in texts(at.success)
    [saved] = api_customers(live_api, admin, "ABC")
    assert (saved["contact_person"], saved["contact_phone"]) == ("鈴木", "045-000-1111")


def test_a_customer_registered_without_contacts_shows_them_as_missing_until_given(admin, db, open_app, live_api):
    old = make_customer(db, "旧データ商事", contact_person="", contact_email="", contact_phone="")
    db.commit()
    at = open_page(open_app, admin, CUSTOMERS)
    row = at.dataframe[0].value.iloc[0]
    assert (row["担当者"], row["連絡先メール"], row["電話番号"]) == ("未入力", "未入力", "未入力")

    at.selectbox(key="fleet_customers_selected").select(old.id).run()
    assert texts(at.warning) == ["担当者・連絡先メール・電話番号が未入力です。入力してから保存してください。"]
    prefix = f"fleet_customers_edit_{old.id}"
    fill(at, prefix, person="佐藤")
    at = button(at, "保存").click().run()
    assert texts(at.error) == ["連絡先メールを入力してください。", "電話番号を入力してください。"]
    assert api_customers(live_api, admin, "旧データ")[0]["contact_person"] == ""

    fill(at, prefix, person="佐藤", email="sato@example.jp", phone="03-1111-2222")
    at = button(at, "保存").click().run()
    assert "顧客「旧データ商事」を保存しました。" in texts(at.success)
    [saved] = api_customers(live_api, admin, "旧データ")
    assert (saved["contact_person"], saved["contact_email"], saved["contact_phone"]) == (
        "佐藤",
        "sato@example.jp",
        "03-1111-2222",
    )


def test_support_reads_contacts_but_gets_no_forms(db, open_app):
    abc = make_customer(db, "ABC商事")
    support = make_user(db, "support1", grants={"fleet": "support"})
    db.commit()
    at = open_page(open_app, support, CUSTOMERS)

    at.selectbox(key="fleet_customers_selected").select(abc.id).run()

    assert any("担当者: 田中" in text and "tanaka@example" in text for text in texts(at.markdown))
    assert not [b for b in at.button if b.label in ("追加", "保存", "取込を開始")]


@pytest.mark.slow
def test_csv_import_shows_progress_then_the_rejected_rows(admin, db, open_app, live_api, start_worker):  # noqa: F811
    make_customer(db, "ABC商事")
    db.commit()
    rows = "\n".join(f"TC-{i:04d},ABC商事,店舗{i}" for i in range(30))
    csv = f"シリアル番号,顧客企業,設置店舗名\n{rows}\nTC-0001,ABC商事,重複\nTC-9999,存在しない商事,本店\n"
    at = open_page(open_app, admin, CUSTOMERS)

    at.file_uploader(key="fleet_customers_import_file").set_value(("vendor.csv", csv.encode(), "text/csv"))
    at = button(at, "取込を開始").click().run()
    assert [bar.proto.text for bar in at.get("progress")] == ["読み込み中: vendor\\.csv"]  # no worker has read it yet

    start_worker()

    def finished():
        at.run()
        return "取込が完了しました: 全32行のうち 30台を登録しました。" in texts(at.success)

    wait_for_job(finished, timeout=60, message="the import job to finish and the page to show it")
    assert texts(at.warning) == ["2行は取り込めませんでした。内容を直して、その行だけ再度取り込んでください。"]
    rejected = at.dataframe[-1].value
    assert rejected.to_dict("records") == [
        {"行": 32, "シリアル番号": "TC-0001", "理由": labels.IMPORT_SAME_SERIAL.format(row=3)},  # a copy in the file
        {"行": 33, "シリアル番号": "TC-9999", "理由": labels.IMPORT_UNKNOWN_CUSTOMER},
    ]
    total = httpx.get(f"{live_api}/api/fleet/terminals", params={"page_size": 1}, headers=auth_headers(admin))
    assert total.json()["total"] == 30


def test_a_csv_without_the_required_columns_asks_which_of_its_columns_they_are(admin, open_app):
    at = open_page(open_app, admin, CUSTOMERS)

    content = "シリアル番号,メモ\nTC-1,a\n".encode()
    at.file_uploader(key="fleet_customers_import_file").set_value(("x.csv", content, "text/csv"))
    at = button(at, "取込を開始").click().run()

    assert texts(at.warning)[-1].startswith("1行目の見出しに「顧客企業」・「設置店舗名」の列が見つかりません")
    labels = [box.label for box in at.selectbox if box.key and box.key.startswith("fleet_customers_import_mapping")]
    assert labels == ["「顧客企業」にあたるファイルの列", "「設置店舗名」にあたるファイルの列"]
