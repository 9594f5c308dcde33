"""代理店CRM admin pages: 代理店管理 (register, check before sending, deactivate), ユーザー管理 (a sales person needs an
agency; add, edit), 監査ログ (the CRM's entries with their Japanese names) and 法人の統合."""

from sqlalchemy import select

from dashboards.app_pages.crm import labels as crm_labels
from service.crm.models import Agency, Profile
from service.identity.models import Grant, User
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import corporation, made, submit

AGENCIES = "app_pages/crm/agencies.py"
USERS = "app_pages/crm/users.py"
AUDIT = "app_pages/crm/audit.py"
MERGE = "app_pages/crm/merge.py"


def test_an_admin_registers_an_agency_and_deactivates_it(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), AGENCIES)
    assert at.dataframe[0].value["代理店名"].tolist() == ["株式会社AAA代理店", "株式会社BBB代理店"]

    new = "crm_agencies_new_0"
    at.text_input(key=f"{new}_name").input("株式会社CCC代理店")
    at.text_input(key=f"{new}_code").input("C C")
    at.text_input(key=f"{new}_phone").input("0120")
    button(at, "登録").click().run()
    assert texts(at.error) == [
        "代理店コード: 形式が正しくありません（英数字と「_」「-」の1〜30文字で入力してください）",
        "電話番号: 電話番号は0から始まる10桁または11桁（例: 03-1234-5678）で入力してください",
    ]
    at.text_input(key=f"{new}_code").input("CCC")
    at.text_input(key=f"{new}_phone").input("03-1111-2222")
    button(at, "登録").click().run()
    assert texts(at.success) == ["代理店「株式会社CCC代理店」を登録しました。"]
    created = db.scalar(select(Agency).where(Agency.code == "CCC"))
    db.commit()

    at.selectbox(key="crm_agencies_chosen").select(created.id).run()
    at.checkbox(key="crm_agencies_edit_0_is_active").uncheck()
    button(at, "保存").click().run()
    assert texts(at.success) == ["代理店「株式会社CCC代理店」を保存しました。"]
    listed = at.dataframe[0].value.set_index("代理店コード")["ステータス"].to_dict()
    assert listed == {"AAA": "有効", "BBB": "有効", "CCC": "無効"}


def test_an_admin_adds_a_sales_person_who_needs_an_agency(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), USERS)
    new = "crm_users_new"
    at.text_input(key=f"{new}_0_login_id").input("sales-c")
    at.text_input(key=f"{new}_0_name").input("営業C")
    at.text_input(key=f"{new}_0_password").input("long-enough-pass")
    at.text_input(key=f"{new}_0_sales_staff_code").input("LCK0C0CY")
    button(at, "追加").click().run()
    assert texts(at.error) == ["営業担当者には代理店の指定が必要です。"]

    at.selectbox(key=f"{new}_0_agency_id").select(world.agency_b)
    at.checkbox(key=f"{new}_0_is_sales_manager").check()
    button(at, "追加").click().run()

    assert texts(at.success) == ["ユーザー「営業C」を追加しました。"]
    user = db.scalar(select(User).where(User.login_id == "sales-c"))
    grant = db.scalar(select(Grant).where(Grant.user_id == user.id))
    profile = db.get(Profile, user.id)
    assert (grant.role, grant.scope, profile.agency_id, profile.sales_staff_code, profile.is_sales_manager) == (
        "sales",
        str(world.agency_b),
        world.agency_b,
        "LCK0C0CY",
        True,
    )
    db.commit()
    row = at.dataframe[0].value.set_index("ログインID").loc["sales-c"]
    assert (row["役割"], row["代理店"], row["営業マネージャー"]) == ("営業担当者", "株式会社BBB代理店", "はい")


def test_a_stale_user_edit_saves_what_only_i_changed_and_names_what_both_changed(db, world, client, open_app):  # noqa: F811
    """Someone else renamed 営業A meanwhile: my Lコード is saved by 「自分の変更を反映して保存」 and their 氏名 stays;
    a 役割 both changed is listed by its name, not its code."""
    url = f"/api/crm/users/{world.ids['sales_a']}"
    at = open_page(open_app, as_user(db, world, "admin"), USERS, state={"crm_users_chosen_id": world.ids["sales_a"]})
    edit = "crm_users_edit_0"
    at.text_input(key=f"{edit}_l_code").input("L0009")
    version = made(client.get(url, headers=world.admin))["version"]
    made(client.patch(url, json={"name": "営業A（改姓）", "version": version}, headers=world.admin))

    button(at, "保存").click().run()
    assert texts(at.error) == [crm_labels.MERGE_OFFER]
    button(at, crm_labels.MERGE).click().run()
    assert not at.error, texts(at.error)
    stored = made(client.get(url, headers=world.admin))
    assert (stored["name"], stored["l_code"]) == ("営業A（改姓）", "L0009")

    at.selectbox(key="crm_users_edit_1_role").select("operator")
    at.selectbox(key="crm_users_edit_1_agency_id").select(None)
    made(
        client.patch(url, json={"role": "admin", "agency_id": None, "version": stored["version"]}, headers=world.admin)
    )
    button(at, "保存").click().run()
    assert texts(at.error) == [crm_labels.MERGE_CONFLICT]
    conflict = [f.value for f in at.dataframe if "あなたの入力" in f.value.columns][0]
    assert conflict.to_dict("records") == [{"項目": "役割", "あなたの入力": "投入担当者", "現在の値": "管理者"}]


def test_the_audit_log_lists_the_crms_changes_in_japanese(db, world, client, open_app):  # noqa: F811
    request = made(submit(client, world.sales_a))
    made(client.post(f"/api/crm/corporations/{request['corporation']['id']}/card/reveal", headers=world.operator))

    at = open_page(open_app, as_user(db, world, "admin"), AUDIT)
    at.selectbox(key="crm_audit_action").select("reveal_card").run()

    rows = at.dataframe[0].value.to_dict("records")
    assert [(r["操作者"], r["操作"], r["対象"]) for r in rows] == [
        ("投入担当（op）", "カード番号の全桁表示", f"法人 {request['corporation']['display_name']}")
    ]
    assert "4111111111111111" not in rows[0]["変更内容"] and "1111" in rows[0]["変更内容"]
    assert "表示した項目: クレジットカード番号" in rows[0]["変更内容"]


def test_an_admin_merges_a_duplicate_corporation_found_by_its_name(db, world, client, open_app):  # noqa: F811
    unnumbered = corporation(corporation_number="", last_name="株式会社重複商事")
    kept = made(submit(client, world.sales_a, corporation=unnumbered))
    duplicate = made(submit(client, world.sales_a2, corporation=unnumbered, confirm=True))
    at = open_page(open_app, as_user(db, world, "admin"), MERGE)
    at.text_input(key="crm_merge_q").input("重複商事").run()
    kept_id, duplicate_id = kept["corporation"]["id"], duplicate["corporation"]["id"]
    at.selectbox(key="crm_merge_kept").select(kept_id).run()
    at.selectbox(key="crm_merge_duplicate").select(duplicate_id).run()
    at.checkbox(key="crm_merge_run_ok").check().run()
    button(at, "統合する").click().run()

    assert texts(at.success) == [f"法人 #{duplicate_id} を #{kept_id} に統合しました。"], texts(at.error)
    assert at.selectbox(key="crm_merge_kept").options == [
        f"#{kept_id} 株式会社重複商事（東京都渋谷区）・株式会社AAA代理店"
    ]
    moved = made(client.get(f"/api/crm/requests/{duplicate['request']['id']}", headers=world.admin))
    assert moved["corporation"]["id"] == kept_id
