"""代理店CRM for the back office: 投入案件一覧's filters and unread marks, and 案件詳細 — adding sites, entering their
fields, linking images, moving them through the statuses, 不備, a stale edit's conflict, the audited card reveal and
the carrier CSV."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboards import clock
from dashboards.app_pages.crm import labels as crm_labels
from dashboards.components import timestamps
from service.audit.models import AuditEntry
from service.crm.models import Image, Notification, Request, Site
from tests.dashboards.conftest import button, cell_colours, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import COMPLETE_SITE, add_site, corporation, made, picture, submit

QUEUE = "app_pages/crm/queue.py"
CASE = "app_pages/crm/case.py"
LOCATION = "0300111122223333444455"


def opened(at, key: str, value: object = True):
    """Open what the page builds only while open (an expander of components.layout.shown_when_open, a tab)."""
    at.session_state[key] = value
    return at.run()


def rows(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records") if at.dataframe else []


def queue_ids(at) -> list[int]:
    return [row["依頼ID"] for row in rows(at)]


@pytest.fixture
def three_requests(client, world) -> dict[str, int]:  # noqa: F811
    """Sales A's アオバ (opened by the operator and sent back: 不備) and ミドリ (with a comment from sales A), sales B's
    ヒカリ (new: nobody of the back office has opened it)."""
    aoba = made(submit(client, world.sales_a, corporation=corporation(last_name="株式会社アオバ食品")))
    made(client.post(f"/api/crm/requests/{aoba['request']['id']}/read", headers=world.operator))
    site = add_site(client, world, aoba["request"]["id"])
    made(
        client.post(
            f"/api/crm/sites/{site['id']}/status",
            headers=world.operator,
            json={"status": "deficient", "version": site["version"], "reason": "画像が不鮮明です"},
        )
    )
    midori = made(submit(client, world.sales_a, corporation=corporation(last_name="株式会社ミドリ商事")))
    made(
        client.post(
            f"/api/crm/requests/{midori['request']['id']}/comments",
            json={"message": "急ぎでお願いします"},
            headers=world.sales_a,
        )
    )
    hikari = made(submit(client, world.sales_b, corporation=corporation(last_name="株式会社ヒカリ物産")))
    return {"aoba": aoba["request"]["id"], "midori": midori["request"]["id"], "hikari": hikari["request"]["id"]}


def test_the_operator_filters_the_queue_by_status_corporation_sales_person_period_and_unread(
    db,
    world,
    three_requests,
    open_app,  # noqa: F811
):
    operator = as_user(db, world, "operator")
    ids = three_requests
    at = open_page(open_app, operator, QUEUE)
    assert queue_ids(at) == [ids["hikari"], ids["midori"]]  # both news: ヒカリ is new (nobody has opened it)
    open_page(open_app, operator, CASE, id=str(ids["hikari"]))  # opening it reads it
    at = open_page(open_app, operator, QUEUE)
    assert queue_ids(at) == [ids["midori"], ids["hikari"]]  # it opens on the open work, news first
    assert list(rows(at)[0])[:2] == ["未読通知", "ステータス"]  # 未読 is the first column: never off-screen
    assert [(r["ステータス"], r["営業担当者"], r["代理店"], r["未読通知"]) for r in rows(at)] == [
        ("対応中", "営業A", "株式会社AAA代理店", "未読"),
        ("対応中", "営業B", "株式会社BBB代理店", ""),
    ]
    assert cell_colours(at.dataframe[0], "ステータス") == ["yellow", "yellow"]  # 黄 対応中
    assert cell_colours(at.dataframe[0], "未読通知") == ["red", None]

    at.selectbox(key="crm_queue_status").select("deficient").run()
    assert queue_ids(at) == [ids["aoba"]]
    assert cell_colours(at.dataframe[0], "ステータス") == ["red"]  # 赤 不備
    at.selectbox(key="crm_queue_status").select("").run()
    assert queue_ids(at) == [ids["midori"], ids["hikari"], ids["aoba"]]
    at.text_input(key="crm_queue_corporation").input("ミドリ").run()
    assert queue_ids(at) == [ids["midori"]]
    at.text_input(key="crm_queue_corporation").input("").run()
    at.selectbox(key="crm_queue_sales").select(world.ids["sales_b"]).run()
    assert queue_ids(at) == [ids["hikari"]]
    at.selectbox(key="crm_queue_sales").select(None).run()
    at.checkbox(key="crm_queue_unread").check().run()
    assert queue_ids(at) == [ids["midori"]]
    at.checkbox(key="crm_queue_unread").uncheck().run()
    at.date_input(key="crm_queue_since").set_value(clock.today()).run()
    assert len(queue_ids(at)) == 3
    at.date_input(key="crm_queue_since").set_value(clock.today() + timedelta(days=1)).run()
    assert not at.dataframe
    assert "該当するデータはありません。" in texts(at.info)


def test_the_operator_adds_sites_enters_them_links_an_image_and_moves_them_through_the_statuses(
    db,
    world,
    client,
    open_app,  # noqa: F811
):
    images = [("images", ("bill1.png", picture(), "image/png")), ("images", ("bill2.png", picture(), "image/png"))]
    request_id = made(submit(client, world.sales_a, files=images))["request"]["id"]
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    assert texts(at.subheader) == [f"依頼 #{request_id} 株式会社テスト商事"]
    assert len(at.image) == 2  # the thumbnails

    button(at, "＋地点を追加").click().run()
    button(at, "＋地点を追加").click().run()
    first, second = db.scalars(select(Site.id).where(Site.request_id == request_id).order_by(Site.id)).all()
    db.commit()
    assert texts(at.success) == ["地点を追加しました。明細画像を見ながら入力してください。"]
    assert [r["地点ID"] for r in rows(at)] == [first, second]

    key = f"crm_case_site_{first}_0"
    at.text_input(key=f"{key}_power_branch_name").input("渋谷店")
    at.text_input(key=f"{key}_power_customer_location_number").input(LOCATION)
    at.selectbox(key=f"{key}_application_type").select("1")
    at.selectbox(key=f"{key}_power_supplier_type").select("03")
    at.number_input(key=f"{key}_latest_charges").set_value(48210)
    at.checkbox(key=f"{key}_option_OPT013234").check()
    button(at, "地点を保存").click().run()
    assert texts(at.success) == [f"地点 #{first} 渋谷店 を保存しました。"]
    saved = db.get(Site, first)
    assert (
        saved.power_branch_name,
        saved.power_customer_location_number,
        saved.application_type,
        saved.power_supplier_type,
        saved.latest_charges,
        saved.option_plans,
    ) == ("渋谷店", LOCATION, "1", "03", 48210, ["OPT013234"])
    db.commit()

    image_id = at.selectbox(key="crm_case_image").value
    at.selectbox(key=f"crm_case_link_site_{image_id}").select(first)
    button(at, "紐づけを保存").click().run()
    assert db.get(Image, image_id).site_id == first
    db.commit()

    button(at, "投入済にする").click().run()
    assert any("キャリア管理画面の必須項目を入力してください: PPS番号、契約プラン" in e for e in texts(at.error))
    rest = {k: v for k, v in COMPLETE_SITE.items() if k not in ("power_branch_name", "application_type")}
    made(client.patch(f"/api/crm/sites/{first}", json=rest | {"version": saved.version}, headers=world.operator))
    at.run()
    button(at, "投入済にする").click().run()
    assert texts(at.success) == [f"地点 #{first} 渋谷店 を「投入済」にしました。"]
    at.selectbox(key="crm_case_site").select(second).run()
    opened(at, f"crm_case_site_{second}_deficiency_open")
    at.text_area(key=f"crm_case_site_{second}_deficiency_0_reason").input("2枚目の明細が読めません")
    at.button(key=f"crm_case_site_{second}_deficiency_send").click().run()
    assert texts(at.success) == ["不備を登録し、営業担当者に通知しました。"]
    db.expire_all()
    assert (db.get(Site, first).status, db.get(Site, second).status, db.get(Request, request_id).status) == (
        "submitted",
        "deficient",
        "deficient",
    )
    assert db.scalar(select(Notification.message).where(Notification.kind == "deficiency")) == (
        f"依頼 #{request_id} に不備があります: 2枚目の明細が読めません"
    )
    db.commit()

    button(at, "対応中に戻す").click().run()
    db.expire_all()
    assert db.get(Request, request_id).status == "in_progress"
    db.commit()

    # The person's own status changes moved the site's version: their next edit starts from it, no conflict.
    next(w for w in at.text_input if w.label == "店舗名").input("倉庫")
    button(at, "地点を保存").click().run()
    assert texts(at.success) == [f"地点 #{second} 倉庫 を保存しました。"]


def test_a_whole_request_deficiency_needs_a_reason(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    assert not [b for b in at.button if b.key == "crm_case_whole_deficiency_send"], "built only once opened"

    opened(at, "crm_case_whole_deficiency_open")
    at.button(key="crm_case_whole_deficiency_send").click().run()
    assert texts(at.error) == ["不備理由を入力してください。"]
    at.text_area(key="crm_case_whole_deficiency_0_reason").input("法人番号が登記と異なります")
    at.button(key="crm_case_whole_deficiency_send").click().run()

    assert texts(at.success) == ["不備を登録し、営業担当者に通知しました。"]
    request = db.get(Request, request_id)
    assert (request.status, request.whole_deficiency) == ("deficient", True)
    assert "法人全体" in " ".join(texts(at.markdown))


def test_a_stale_site_edit_shows_the_current_values_and_reloads_them(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    site = add_site(client, world, request_id, power_branch_name="渋谷店")
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    key = f"crm_case_site_{site['id']}"
    at.text_input(key=f"{key}_0_power_branch_name").input("新宿店")
    made(
        client.patch(
            f"/api/crm/sites/{site['id']}",
            headers=world.admin,
            json={"power_branch_name": "池袋店", "version": site["version"]},
        )
    )

    button(at, "地点を保存").click().run()

    assert texts(at.error) == [crm_labels.MERGE_CONFLICT]  # both changed 店舗名: only it is shown
    conflict = [f.value for f in at.dataframe if "あなたの入力" in f.value.columns][0]
    assert conflict.to_dict("records") == [{"項目": "店舗名", "あなたの入力": "新宿店", "現在の値": "池袋店"}]
    assert db.get(Site, site["id"]).power_branch_name == "池袋店"
    db.commit()
    button(at, "最新の内容を読み込む").click().run()
    assert not at.error
    assert at.text_input(key=f"{key}_1_power_branch_name").value == "池袋店"


def test_the_full_card_number_is_shown_only_on_request_and_the_reveal_is_audited(db, world, client, open_app):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    assert "**クレジットカード番号** **** **** **** 1111" not in texts(at.markdown), (
        "the 法人情報 tab is built when chosen"
    )
    opened(at, "crm_case_tabs", "法人情報")
    assert "**クレジットカード番号** **** **** **** 1111" in texts(at.markdown)
    assert not at.code

    button(at, "全桁を表示").click().run()

    assert texts(at.code) == ["4111111111111111", "セキュリティコード 123"]
    reveals = db.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_card").order_by(AuditEntry.seq)).all()
    assert [(r.actor_label, r.target_type, r.changes["last4"]) for r in reveals] == [
        ("投入担当", "corporation", "1111")
    ]
    db.commit()
    at.run()
    assert not at.code


def test_each_site_exports_the_carrier_csv(db, world, client, open_app, downloads):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    site = add_site(client, world, request_id, power_customer_location_number=LOCATION)

    open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))

    text = downloads[f"carrier_site_{site['id']}.csv"]().decode("utf-8-sig")
    header, line = csv.reader(io.StringIO(text))
    assert header[:4] == ["status", "customer_type", "corporation_number", "last_name"] and line[0] == "対応中"
    assert {"zip_code1", "power_customer_location_number", "option_plans"} <= set(header)
    assert LOCATION in line and "**** **** **** 1111" in text and "4111111111111111" not in text
    assert db.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == "reveal_card")) == 0


def test_a_stale_site_edit_of_fields_only_i_changed_is_saved_without_typing_again(db, world, client, open_app):  # noqa: F811
    """Someone else changed 備考 meanwhile; my 店舗名 is saved by 「自分の変更を反映して保存」 and theirs stays."""
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    site = add_site(client, world, request_id, power_branch_name="渋谷店", note="")
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(request_id))
    key = f"crm_case_site_{site['id']}"
    at.text_input(key=f"{key}_0_power_branch_name").input("新宿店")
    body = {"note": "先に保存", "version": site["version"]}
    made(client.patch(f"/api/crm/sites/{site['id']}", headers=world.admin, json=body))

    button(at, "地点を保存").click().run()
    assert texts(at.error) == [crm_labels.MERGE_OFFER]
    button(at, crm_labels.MERGE).click().run()

    assert not at.error, texts(at.error)
    stored = made(client.get(f"/api/crm/sites/{site['id']}", headers=world.operator))
    assert (stored["power_branch_name"], stored["note"]) == ("新宿店", "先に保存")


def test_two_bills_of_one_file_name_are_told_apart_by_number_and_upload_time(db, world, client, open_app):  # noqa: F811
    same = [
        ("images", ("明細.png", picture(), "image/png")),
        ("images", ("明細.png", picture(colour="#aa0000"), "image/png")),
    ]
    created = made(submit(client, world.sales_a, files=same))
    at = open_page(open_app, as_user(db, world, "operator"), CASE, id=str(created["request"]["id"]))
    uploaded = timestamps.local_time(created["images"][0]["uploaded_at"])[:16]  # both in one request: one moment
    options = at.selectbox(key="crm_case_image").options
    assert options == [f"No.1 明細.png {uploaded}", f"No.2 明細.png {uploaded}"]
    captions = [picture.caption for image in at.image for picture in image.proto.imgs]
    assert captions == [f"{option}（地点未紐づけ）" for option in options]
