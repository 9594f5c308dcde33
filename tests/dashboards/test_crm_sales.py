"""代理店CRM for the sales side: 新規投入依頼 with an image, the form's checks, 既存法人に地点追加, and a
deficiency's round trip — the badge, 不備確認・修正, the resubmission, and the operator seeing what changed."""

from sqlalchemy import func, select

from dashboards.app_pages.crm.labels import SECURITY_CODE_AGAIN, SECURITY_CODE_NEEDED
from service.crm.models import Image, Notification, Request
from tests.dashboards.conftest import button, fill, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import add_site, made, picture, set_status, submit

NEW = "app_pages/crm/new_request.py"
ADD_SITE = "app_pages/crm/add_site.py"
FIX = "app_pages/crm/fix.py"
CASE = "app_pages/crm/case.py"
QUEUE = "app_pages/crm/queue.py"
FORM = "crm_new_request_form"
REASON = "お客様番号が明細と一致しません"


def request_count(db) -> int:
    count = db.scalar(select(func.count(Request.id)))
    db.commit()
    return count


def badge(at) -> list[str]:
    return [m.value for m in at.sidebar.markdown if "未読の通知" in m.value]


def test_a_sales_person_files_a_new_request_with_an_image_and_sees_it_listed(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "sales_a"), NEW)
    assert texts(at.caption)[0] == "代理店: 株式会社AAA代理店"
    fill(
        at,
        f"{FORM}_0",  # the form's first round
        last_name="株式会社サクラ商事",
        last_name_kana="かぶしきがいしゃさくらしょうじ",
        zip_code="1500001",
        phone1="03-1234-5678",
    )
    at.selectbox(key=f"{FORM}_0_payment_type").select("2")
    at.file_uploader(key=f"{FORM}_0_images").upload("bill.png", picture(), "image/png")
    button(at, "投入依頼を送信").click().run()

    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.title) == ["マイ依頼一覧"]
    request = db.scalar(select(Request))
    assert texts(at.success) == [f"投入依頼 #{request.id}（株式会社サクラ商事）を送信しました（明細画像 1枚）。"]
    row = at.dataframe[0].value.iloc[0]
    assert (row["依頼ID"], row["法人名"], row["ステータス"], row["不備通知"]) == (
        request.id,
        "株式会社サクラ商事",
        "対応中",
        "",
    )
    assert db.scalar(select(Image.file_name)) == "bill.png"


def test_the_form_checks_the_apis_rules_before_sending_and_stores_nothing(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "sales_a"), NEW)
    fill(
        at,
        f"{FORM}_0",  # the form's first round
        corporation_number="1234567890123",
        last_name="株式会社テスト",
        last_name_kana="abc",
        zip_code="12-345",
        phone1="123",
    )
    button(at, "投入依頼を送信").click().run()

    assert texts(at.error) == [
        "法人番号: 法人番号のチェックデジットが一致しません",
        "契約者名カナ（セイ）: カナ項目は全角カタカナで入力してください",
        "郵便番号: 郵便番号は7桁の数字（例: 150-0001）で入力してください",
        "連絡先番号1: 電話番号は0から始まる10桁または11桁（例: 03-1234-5678）で入力してください",
        "支払方法: 入力してください",  # never defaulted: クレジットカード would ask for card fields nobody meant
        "明細画像をアップロードするか、画像がない場合は備考に明細情報を記載してください。",
    ]
    assert texts(at.title) == ["新規投入依頼"]
    assert request_count(db) == 0


def test_sites_are_added_to_an_existing_corporation_found_by_its_number(db, world, client, open_app):  # noqa: F811
    first = made(submit(client, world.sales_a))
    at = open_page(open_app, as_user(db, world, "sales_a"), ADD_SITE)
    at.text_input(key="crm_add_site_q").input("7000012050002").run()
    picker = at.selectbox(key="crm_add_site_corporation")
    assert picker.options == ["株式会社テスト商事（法人番号 7000012050002・東京都渋谷区）"]

    picker.select(first["corporation"]["id"]).run()
    assert "カブシキガイシャテストショウジ" in at.dataframe[0].value["内容"].tolist()
    at.file_uploader(key="crm_add_site_form_0_images").upload("second.jpg", picture("JPEG"), "image/jpeg")
    at.number_input(key="crm_add_site_form_0_sites").set_value(2)
    button(at, "投入依頼を送信").click().run()

    assert not at.error, texts(at.error)
    assert texts(at.title) == ["マイ依頼一覧"]
    added = db.scalars(select(Request).order_by(Request.id)).all()
    assert [(r.corporation_id, r.site_count) for r in added] == [
        (first["corporation"]["id"], 1),
        (first["corporation"]["id"], 2),
    ]


def test_a_deficiency_is_badged_fixed_resubmitted_and_the_operator_sees_what_changed(db, world, client, open_app):  # noqa: F811
    request = made(submit(client, world.sales_a))
    request_id = request["request"]["id"]
    site = add_site(client, world, request_id)
    made(
        client.post(
            f"/api/crm/sites/{site['id']}/status",
            json={"status": "deficient", "version": site["version"], "reason": REASON},
            headers=world.operator,
        )
    )
    sales = as_user(db, world, "sales_a")

    home = open_app(sales)
    assert texts(home.title) == ["マイ依頼一覧"]
    assert badge(home) == [":red-badge[:material/notifications: 未読の通知 1件]"]
    row = home.dataframe[0].value.iloc[0]
    assert (row["ステータス"], row["不備通知"]) == ("不備", "未読あり")
    assert any(REASON in m.value for m in home.markdown)

    fix = open_page(open_app, sales, FIX, id=str(request_id))
    assert texts(fix.error) == [f"不備理由: {REASON}"]
    assert badge(fix) == []
    fix.text_input(key="crm_fix_corporation_0_phone1").input("03-9999-0000")
    button(fix, "法人情報を保存").click().run()
    assert texts(fix.success) == ["法人情報を保存しました。"]
    fix.text_area(key="crm_fix_resubmit_message").input("電話番号を直しました")
    button(fix, "修正して再提出").click().run()
    assert texts(fix.success) == [f"依頼 #{request_id} を再提出しました。投入担当者に変更点が伝わります。"]
    assert db.get(Request, request_id).status == "in_progress"
    assert db.scalar(select(Notification.read_at).where(Notification.request_id == request_id)) is not None
    db.commit()

    operator = as_user(db, world, "operator")
    queue = open_page(open_app, operator, QUEUE)
    assert queue.dataframe[0].value.iloc[0]["未読通知"] == "未読"
    assert queue.dataframe[0].value.iloc[0]["不備再提出"] != ""  # marked as sent back and resubmitted
    case = open_page(open_app, operator, CASE, id=str(request_id))
    timeline = case.tabs[0]
    resubmission = [m.value for m in timeline.markdown if "修正再提出" in m.value]
    assert len(resubmission) == 1 and "営業A" in resubmission[0]
    changed = [frame.value for frame in timeline.dataframe if "変更前" in frame.value.columns]
    phone = {"項目": "連絡先番号1", "変更前": "03-1234-5678", "変更後": "03-9999-0000"}
    assert changed[0].to_dict("records") == [phone]
    assert "電話番号を直しました" in texts(case.markdown)


def test_a_sales_person_removes_a_wrong_image_and_cancels_the_request(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    fix = open_page(open_app, as_user(db, world, "sales_a"), FIX, id=str(request_id))
    image_id = fix.selectbox(key="crm_fix_image").value

    fix.checkbox(key=f"crm_fix_remove_{image_id}_ok").check().run()
    button(fix, "この画像を削除").click().run()
    assert texts(fix.success) == ["bill.png を削除しました。"]
    assert "明細画像はありません。" in texts(fix.caption)

    fix.checkbox(key="crm_fix_cancel_ok").check().run()
    button(fix, "投入依頼をキャンセル").click().run()

    assert texts(fix.success) == [f"依頼 #{request_id} をキャンセルしました。"]
    assert db.get(Request, request_id).status == "cancelled"
    assert not [b for b in fix.button if b.label in ("投入依頼をキャンセル", "修正して再提出")]


def test_a_later_add_site_asks_again_for_the_purged_security_code(db, world, client, open_app):  # noqa: F811
    first = made(submit(client, world.sales_a))
    corporation_id = first["corporation"]["id"]
    set_status(client, world, add_site(client, world, first["request"]["id"]), "submitted")  # purges the code
    at = open_page(open_app, as_user(db, world, "sales_a"), ADD_SITE)
    at.text_input(key="crm_add_site_q").input("7000012050002").run()
    at.selectbox(key="crm_add_site_corporation").select(corporation_id).run()
    assert texts(at.warning) == [SECURITY_CODE_AGAIN]
    at.file_uploader(key="crm_add_site_form_0_images").upload("second.jpg", picture("JPEG"), "image/jpeg")
    button(at, "投入依頼を送信").click().run()
    assert "もう一度入力してください" in texts(at.error)[0] and request_count(db) == 1

    at.text_input(key="crm_add_site_form_0_security_code").input("4321")
    button(at, "投入依頼を送信").click().run()
    assert not at.error, texts(at.error)
    assert request_count(db) == 2
    revealed = made(client.post(f"/api/crm/corporations/{corporation_id}/card/reveal", headers=world.operator))
    assert revealed["credit_card_security_code"] == "4321"


def test_the_operator_is_told_the_security_code_is_needed(db, world, client, open_app):  # noqa: F811
    first = made(submit(client, world.sales_a))
    second = made(submit(client, world.sales_a, corporation_id=first["corporation"]["id"]))
    set_status(client, world, add_site(client, world, first["request"]["id"]), "submitted")
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(second["request"]["id"]))
    assert SECURITY_CODE_NEEDED in texts(at.warning)
    done = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(first["request"]["id"]))
    assert SECURITY_CODE_NEEDED not in texts(done.warning)
